using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace Soundloom
{
    /// <summary>
    /// <see cref="ITransport"/> over System.Net.Http.HttpClient: for tools, servers, tests and the
    /// Unity editor. Players should use Soundloom.Unity.UnityWebRequestTransport (HttpClient does
    /// not work on WebGL and goes around Unity's proxy and certificate settings).
    /// </summary>
    public sealed class HttpClientTransport : ITransport
    {
        readonly HttpClient _http;
        readonly bool _owns;

        public HttpClientTransport() : this(new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }), true) { }

        public HttpClientTransport(HttpClient http, bool ownsClient)
        {
            _http = http;
            _http.Timeout = System.Threading.Timeout.InfiniteTimeSpan; // each request carries its own
            _owns = ownsClient;
        }

        public async Task<TransportResponse> SendAsync(TransportRequest request, CancellationToken cancellation)
        {
            var message = new HttpRequestMessage(new HttpMethod(request.Method), request.Url);
            string contentType = null;
            foreach (var header in request.Headers)
            {
                if (string.Equals(header.Key, "Content-Type", StringComparison.OrdinalIgnoreCase))
                    contentType = header.Value;
                else
                    message.Headers.TryAddWithoutValidation(header.Key, header.Value);
            }
            if (request.Body != null)
            {
                message.Content = new ByteArrayContent(request.Body);
                message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType ?? "application/json");
            }
            var timeout = new CancellationTokenSource(request.Timeout > TimeSpan.Zero ? request.Timeout : TimeSpan.FromMilliseconds(1));
            var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellation, timeout.Token);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, linked.Token)
                    .ConfigureAwait(false);
            }
            catch (HttpRequestException ex)
            {
                linked.Dispose();
                timeout.Dispose();
                throw new IOException("HTTP request to " + request.Url.GetLeftPart(UriPartial.Authority) + " failed: " + ex.Message, ex);
            }
            catch
            {
                linked.Dispose();
                timeout.Dispose();
                throw;
            }
            var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var pair in response.Headers.Concat(response.Content.Headers))
                headers[pair.Key] = string.Join(", ", pair.Value);
            var body = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            // The timeout keeps running while the caller reads the body: when it fires, the
            // response is disposed and a pending read fails instead of hanging.
            var registration = linked.Token.Register(response.Dispose);
            return new TransportResponse((int)response.StatusCode, headers,
                new OwnedStream(body, new IDisposable[] { registration, linked, timeout, response }));
        }

        public void Dispose()
        {
            if (_owns) _http.Dispose();
        }
    }

    /// <summary>A read-only stream that disposes what it depends on when it is disposed.</summary>
    sealed class OwnedStream : Stream
    {
        readonly Stream _inner;
        readonly IDisposable[] _owned;

        public OwnedStream(Stream inner, IDisposable[] owned) { _inner = inner; _owned = owned; }

        public override bool CanRead { get { return true; } }
        public override bool CanSeek { get { return false; } }
        public override bool CanWrite { get { return false; } }
        public override long Length { get { throw new NotSupportedException(); } }
        public override long Position { get { throw new NotSupportedException(); } set { throw new NotSupportedException(); } }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count)
        {
            try { return _inner.Read(buffer, offset, count); }
            catch (ObjectDisposedException ex) { throw new IOException("the response was closed (deadline passed or cancelled)", ex); }
        }
        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            try { return await _inner.ReadAsync(buffer, offset, count, cancellationToken).ConfigureAwait(false); }
            catch (ObjectDisposedException ex) { throw new IOException("the response was closed (deadline passed or cancelled)", ex); }
        }
        public override long Seek(long offset, SeekOrigin origin) { throw new NotSupportedException(); }
        public override void SetLength(long value) { throw new NotSupportedException(); }
        public override void Write(byte[] buffer, int offset, int count) { throw new NotSupportedException(); }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                foreach (var item in _owned) item.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
