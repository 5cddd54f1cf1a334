using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using UnityEngine;
using UnityEngine.Networking;

namespace Soundloom.Unity
{
    /// <summary>
    /// <see cref="ITransport"/> over UnityWebRequest: every player platform, WebGL included, and
    /// Unity's proxy and certificate settings. Requests are started on the main thread (the core's
    /// awaits resume on the thread pool, so the start is posted to the Unity synchronization
    /// context captured at construction: construct it on the main thread). The body streams in
    /// through a DownloadHandlerScript, so NDJSON progress lines arrive as the server writes them
    /// (WebGL buffers the whole body: the lines then all arrive at the end).
    /// </summary>
    public sealed class UnityWebRequestTransport : ITransport
    {
        readonly SynchronizationContext _main;

        public UnityWebRequestTransport()
        {
            _main = SynchronizationContext.Current;
            if (_main == null)
                throw new InvalidOperationException("create UnityWebRequestTransport on Unity's main thread");
        }

        public Task<TransportResponse> SendAsync(TransportRequest request, CancellationToken cancellation)
        {
            var headersReady = new TaskCompletionSource<TransportResponse>();
            _main.Post(_ => Start(request, cancellation, headersReady), null);
            return headersReady.Task;
        }

        static void Start(TransportRequest request, CancellationToken cancellation, TaskCompletionSource<TransportResponse> headersReady)
        {
            if (cancellation.IsCancellationRequested) { headersReady.TrySetCanceled(); return; }
            var pipe = new PipeStream();
            var web = new UnityWebRequest(request.Url, request.Method)
            {
                downloadHandler = new PipeDownloadHandler(pipe),
                disposeDownloadHandlerOnDispose = true,
                disposeUploadHandlerOnDispose = true,
                redirectLimit = 0,
                timeout = Math.Max(1, (int)Math.Ceiling(request.Timeout.TotalSeconds)),
            };
            if (request.Body != null) web.uploadHandler = new UploadHandlerRaw(request.Body);
            foreach (var header in request.Headers) web.SetRequestHeader(header.Key, header.Value);
            var registration = cancellation.Register(() => { web.Abort(); pipe.Fail(new OperationCanceledException(cancellation)); });
            var operation = web.SendWebRequest();
            Action answer = () =>
            {
                // responseCode and headers exist once the first bytes (or the end) arrive.
                if (headersReady.Task.IsCompleted) return;
                if (web.result == UnityWebRequest.Result.ConnectionError)
                {
                    headersReady.TrySetException(new IOException("UnityWebRequest " + request.Method + " " + request.Url + ": " + web.error));
                    return;
                }
                var headers = web.GetResponseHeaders() ?? new Dictionary<string, string>();
                headersReady.TrySetResult(new TransportResponse((int)web.responseCode, headers, pipe));
            };
            ((PipeDownloadHandler)web.downloadHandler).FirstData = answer;
            operation.completed += _ =>
            {
                registration.Dispose();
                if (cancellation.IsCancellationRequested) headersReady.TrySetCanceled();
                answer();
                if (web.result == UnityWebRequest.Result.ConnectionError && web.downloadedBytes > 0)
                    pipe.Fail(new IOException("UnityWebRequest cut off after " + web.downloadedBytes + " bytes: " + web.error));
                else
                    pipe.Complete();
                web.Dispose();
            };
        }

        public void Dispose() { }

        /// <summary>Pushes received bytes into the pipe the core reads from.</summary>
        sealed class PipeDownloadHandler : DownloadHandlerScript
        {
            readonly PipeStream _pipe;
            public Action FirstData;

            public PipeDownloadHandler(PipeStream pipe) : base(new byte[64 * 1024]) { _pipe = pipe; }

            protected override bool ReceiveData(byte[] data, int dataLength)
            {
                if (FirstData != null) { FirstData(); FirstData = null; }
                _pipe.Write(data, 0, dataLength);
                return true;
            }
        }
    }

    /// <summary>A one-writer, one-reader byte pipe: the main thread writes, the core reads asynchronously.</summary>
    sealed class PipeStream : Stream
    {
        readonly Queue<byte[]> _chunks = new Queue<byte[]>();
        byte[] _current;
        int _offset;
        bool _done;
        Exception _error;
        TaskCompletionSource<bool> _signal = new TaskCompletionSource<bool>();

        public override bool CanRead { get { return true; } }
        public override bool CanSeek { get { return false; } }
        public override bool CanWrite { get { return false; } }
        public override long Length { get { throw new NotSupportedException(); } }
        public override long Position { get { throw new NotSupportedException(); } set { throw new NotSupportedException(); } }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) { throw new NotSupportedException(); }
        public override void SetLength(long value) { throw new NotSupportedException(); }

        public override void Write(byte[] buffer, int offset, int count)
        {
            var copy = new byte[count];
            Buffer.BlockCopy(buffer, offset, copy, 0, count);
            lock (_chunks) { _chunks.Enqueue(copy); Wake(); }
        }

        public void Complete() { lock (_chunks) { _done = true; Wake(); } }
        public void Fail(Exception error) { lock (_chunks) { _error = error; _done = true; Wake(); } }

        void Wake()
        {
            var signal = _signal;
            _signal = new TaskCompletionSource<bool>();
            signal.TrySetResult(true);
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            return ReadAsync(buffer, offset, count, CancellationToken.None).GetAwaiter().GetResult();
        }

        public override async Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            while (true)
            {
                Task wait;
                lock (_chunks)
                {
                    if (_current == null && _chunks.Count > 0) { _current = _chunks.Dequeue(); _offset = 0; }
                    if (_current != null)
                    {
                        var n = Math.Min(count, _current.Length - _offset);
                        Buffer.BlockCopy(_current, _offset, buffer, offset, n);
                        _offset += n;
                        if (_offset >= _current.Length) _current = null;
                        return n;
                    }
                    if (_error != null) throw _error is IOException || _error is OperationCanceledException ? _error : new IOException(_error.Message, _error);
                    if (_done) return 0;
                    wait = _signal.Task;
                }
                using (cancellationToken.Register(() => Fail(new OperationCanceledException(cancellationToken))))
                    await wait.ConfigureAwait(false);
            }
        }
    }
}
