using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace Soundloom
{
    /// <summary>One HTTP request as the client hands it to a transport.</summary>
    public sealed class TransportRequest
    {
        public TransportRequest(string method, Uri url)
        {
            Method = method;
            Url = url;
            Headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        }

        public string Method { get; private set; }
        public Uri Url { get; private set; }
        /// <summary>Request headers (Authorization, Range, If-None-Match, X-Request-Timeout...).</summary>
        public IDictionary<string, string> Headers { get; private set; }
        /// <summary>The body (JSON), or null.</summary>
        public byte[] Body { get; set; }
        /// <summary>Time left until the call's deadline; the transport must give up by then.</summary>
        public TimeSpan Timeout { get; set; }
    }

    /// <summary>A transport's answer: status, headers, and the body as a stream (dispose it).</summary>
    public sealed class TransportResponse : IDisposable
    {
        public TransportResponse(int status, IDictionary<string, string> headers, Stream body)
        {
            Status = status;
            Headers = new Dictionary<string, string>(headers ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase);
            Body = body ?? new MemoryStream(new byte[0]);
        }

        public int Status { get; private set; }
        public IDictionary<string, string> Headers { get; private set; }
        public Stream Body { get; private set; }

        /// <summary>A header's value, or null.</summary>
        public string Header(string name)
        {
            string value;
            return Headers.TryGetValue(name, out value) ? value : null;
        }

        public void Dispose() { Body.Dispose(); }
    }

    /// <summary>
    /// How the client speaks HTTP: <see cref="HttpClientTransport"/> outside Unity and in tests,
    /// Soundloom.Unity.UnityWebRequestTransport in players (WebGL included). A transport sends one
    /// request and returns any status (errors are the client's business); it throws only when no
    /// answer came: IOException / HttpRequestException-like failures for connection problems,
    /// OperationCanceledException when the token fires or the timeout passes.
    /// </summary>
    public interface ITransport : IDisposable
    {
        Task<TransportResponse> SendAsync(TransportRequest request, CancellationToken cancellation);
    }
}
