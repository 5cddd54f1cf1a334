using System;
using System.Diagnostics;
using System.Globalization;
using System.IO;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Newtonsoft.Json;
using Soundloom.V1;

namespace Soundloom
{
    /// <summary>A point in time a call must finish by.</summary>
    public sealed class Deadline
    {
        readonly Stopwatch _clock = Stopwatch.StartNew();
        readonly TimeSpan _budget;

        public Deadline(TimeSpan budget) { _budget = budget; }

        public TimeSpan Remaining
        {
            get { var left = _budget - _clock.Elapsed; return left > TimeSpan.Zero ? left : TimeSpan.Zero; }
        }

        public bool Passed { get { return Remaining <= TimeSpan.Zero; } }
        public TimeSpan Budget { get { return _budget; } }
    }

    /// <summary>What happened on one retry, for logs and tests.</summary>
    public sealed class RetryInfo
    {
        public int Attempt { get; internal set; }
        public TimeSpan Delay { get; internal set; }
        public int HttpStatus { get; internal set; }
        public string Reason { get; internal set; }
    }

    /// <summary>What a file download did.</summary>
    public sealed class DownloadReport
    {
        /// <summary>Bytes that were already on disk and were not fetched again (Range resume).</summary>
        public long ResumedFrom { get; internal set; }
        public int Attempts { get; internal set; }
        /// <summary>True when the server answered 304 to If-None-Match (the cached bytes are current).</summary>
        public bool NotModified { get; internal set; }
        public long Bytes { get; internal set; }
    }

    /// <summary>
    /// The HTTP/JSON gateway's routes, one method each: a deadline on every call, the bearer token,
    /// retries with exponential backoff and full jitter for 429 / 503 / lost connections (honouring
    /// Retry-After), and typed errors carrying the server's field-named message.
    /// </summary>
    public sealed class Gateway
    {
        const int CopyBuffer = 81920;
        readonly ClientOptions _options;
        readonly ITransport _transport;
        readonly Random _jitter = new Random();

        public Gateway(ClientOptions options, ITransport transport)
        {
            _options = options;
            _transport = transport;
        }

        /// <summary>Called before each retry's wait.</summary>
        public event Action<RetryInfo> Retrying;

        public Task<PlanSceneResponse> PlanAsync(PlanSceneRequest request, CancellationToken cancellation)
        {
            return JsonAsync<PlanSceneResponse>("POST", "v1/plan", request, new Deadline(_options.Timeout), cancellation);
        }

        /// <summary>POST /v1/generate: renders (or finds) the asset; its bytes are fetched separately.</summary>
        public Task<GenerateResult> GenerateAsync(GenerateSceneRequest request, CancellationToken cancellation)
        {
            return JsonAsync<GenerateResult>("POST", "v1/generate", request, new Deadline(_options.GenerateTimeout), cancellation);
        }

        public Task<AssetInfo> MetaAsync(string assetId, CancellationToken cancellation)
        {
            return JsonAsync<AssetInfo>("GET", "v1/assets/" + CheckId(assetId) + "/meta", null, new Deadline(_options.Timeout), cancellation);
        }

        public Task<ListBackendsResponse> BackendsAsync(CancellationToken cancellation)
        {
            return JsonAsync<ListBackendsResponse>("GET", "v1/backends", null, new Deadline(_options.Timeout), cancellation);
        }

        /// <summary>GET /healthz: true when the server is SERVING.</summary>
        public async Task<bool> HealthAsync(CancellationToken cancellation)
        {
            var request = NewRequest("GET", "healthz", null, new Deadline(_options.Timeout));
            try
            {
                using (var response = await _transport.SendAsync(request, cancellation).ConfigureAwait(false))
                    return response.Status == 200;
            }
            catch (IOException)
            {
                return false;
            }
        }

        /// <summary>
        /// GET /v1/assets/{id}[?file=]: the file into <paramref name="destination"/>, through
        /// destination + ".part": a part left by a cut-off download (this call's or an earlier
        /// one's) is resumed with Range + If-Range; the result is checked against sha256 before it
        /// is renamed into place. With <paramref name="ifNoneMatch"/> (a sha256), a 304 leaves the
        /// destination alone and reports NotModified.
        /// </summary>
        public async Task<DownloadReport> DownloadAsync(string assetId, string fileName, string destination,
            string sha256, long size, string ifNoneMatch, IProgress<long> progress, CancellationToken cancellation)
        {
            var path = "v1/assets/" + CheckId(assetId) + (string.IsNullOrEmpty(fileName) ? "" : "?file=" + Uri.EscapeDataString(fileName));
            var part = destination + ".part";
            var deadline = new Deadline(_options.Timeout);
            var report = new DownloadReport();
            var firstPartLength = File.Exists(part) ? new FileInfo(part).Length : 0;
            report.ResumedFrom = firstPartLength > 0 && firstPartLength <= size ? firstPartLength : 0;
            for (var attempt = 1; ; attempt++)
            {
                report.Attempts = attempt;
                var have = File.Exists(part) ? new FileInfo(part).Length : 0;
                if (have > size) { File.Delete(part); have = 0; }
                SoundloomException failure = null;
                if (have < size || size == 0)
                {
                    var request = NewRequest("GET", path, null, deadline);
                    if (!string.IsNullOrEmpty(ifNoneMatch) && attempt == 1)
                        request.Headers["If-None-Match"] = "\"" + ifNoneMatch + "\"";
                    if (have > 0)
                    {
                        request.Headers["Range"] = "bytes=" + have.ToString(CultureInfo.InvariantCulture) + "-";
                        request.Headers["If-Range"] = "\"" + sha256 + "\"";
                    }
                    try
                    {
                        failure = await FetchIntoAsync(request, part, have, report, progress, cancellation).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException ex)
                    {
                        if (cancellation.IsCancellationRequested) throw;
                        throw new DeadlineExceededException("GET " + path + ": deadline of " + deadline.Budget.TotalSeconds + " s exceeded", ex);
                    }
                    catch (IOException ex)
                    {
                        failure = new UnavailableException(0, "GET " + path + " was cut off: " + ex.Message, ex);
                    }
                    if (report.NotModified) return report;
                }
                if (failure == null)
                {
                    var actual = Hashing.FileSha256(part);
                    if (actual == sha256)
                    {
                        Files.MoveReplacing(part, destination);
                        report.Bytes = new FileInfo(destination).Length;
                        return report;
                    }
                    File.Delete(part);
                    failure = new IntegrityException(fileName + " of " + assetId + ": sha256 " + actual + " != " + sha256);
                }
                await WaitBeforeRetryAsync(failure, attempt, deadline, cancellation).ConfigureAwait(false);
            }
        }

        async Task<SoundloomException> FetchIntoAsync(TransportRequest request, string part, long have,
            DownloadReport report, IProgress<long> progress, CancellationToken cancellation)
        {
            using (var response = await _transport.SendAsync(request, cancellation).ConfigureAwait(false))
            {
                if (response.Status == 304)
                {
                    report.NotModified = true;
                    return null;
                }
                if (response.Status == 416)
                {
                    File.Delete(part); // our part does not fit the file: start over
                    return new UnavailableException(416, "the partial download did not fit the file; restarting");
                }
                if (response.Status != 200 && response.Status != 206)
                    return await ErrorFromAsync(response, cancellation).ConfigureAwait(false);
                var append = response.Status == 206 && have > 0;
                using (var file = new FileStream(part, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None))
                {
                    var buffer = new byte[CopyBuffer];
                    long written = append ? have : 0;
                    while (true)
                    {
                        var read = await response.Body.ReadAsync(buffer, 0, buffer.Length, cancellation).ConfigureAwait(false);
                        if (read <= 0) break;
                        file.Write(buffer, 0, read);
                        written += read;
                        if (progress != null) progress.Report(written);
                    }
                    file.Flush(true);
                }
                return null;
            }
        }

        Task<T> JsonAsync<T>(string method, string path, object body, Deadline deadline, CancellationToken cancellation)
        {
            return SendAsync(method, path, body, deadline, cancellation, async response =>
            {
                var text = await ReadTextAsync(response.Body, cancellation).ConfigureAwait(false);
                return ProtoJson.Deserialize<T>(text);
            });
        }

        /// <summary>
        /// POST /v1/generate/stream: the GenerateScene stream as NDJSON, one GenerateSceneResponse
        /// per line (accepted, progress per stage, plan, asset, done; an "error" line when it fails
        /// after the 200). Progress lines go to <paramref name="onProgress"/> as they arrive. A
        /// server without the route (404 "path has no route here") gets POST /v1/generate instead.
        /// </summary>
        public async Task<GenerateResult> GenerateStreamAsync(GenerateSceneRequest request, Action<Progress> onProgress,
            CancellationToken cancellation)
        {
            if (_noStreamRoute) return await GenerateAsync(request, cancellation).ConfigureAwait(false);
            try
            {
                return await SendAsync("POST", "v1/generate/stream", request, new Deadline(_options.GenerateTimeout), cancellation,
                    response => ReadGenerateStreamAsync(response, onProgress, cancellation)).ConfigureAwait(false);
            }
            catch (NotFoundException ex)
            {
                if (ex.Message == null || !ex.Message.StartsWith("path has no route")) throw;
                _noStreamRoute = true;
                return await GenerateAsync(request, cancellation).ConfigureAwait(false);
            }
        }

        bool _noStreamRoute;

        static async Task<GenerateResult> ReadGenerateStreamAsync(TransportResponse response, Action<Progress> onProgress,
            CancellationToken cancellation)
        {
            var result = new GenerateResult();
            var serializer = JsonSerializer.Create(ProtoJson.Settings());
            using (var reader = new StreamReader(response.Body, new UTF8Encoding(false)))
            {
                while (true)
                {
                    cancellation.ThrowIfCancellationRequested();
                    var line = await reader.ReadLineAsync().ConfigureAwait(false);
                    if (line == null) break;
                    if (line.Trim().Length == 0) continue;
                    var update = Newtonsoft.Json.Linq.JObject.Parse(line);
                    if (update["error"] != null)
                    {
                        var detail = update["error"].ToObject<ErrorDetail>(serializer);
                        throw SoundloomException.For(detail.Status, HttpStatusFor(detail.Status), detail.Message);
                    }
                    if (update["accepted"] != null)
                    {
                        result.AssetId = update["accepted"].ToObject<Accepted>(serializer).AssetId;
                        result.AssetUrl = (string)update["asset_url"];
                    }
                    else if (update["progress"] != null)
                    {
                        if (onProgress != null) onProgress(update["progress"].ToObject<Progress>(serializer));
                    }
                    else if (update["plan"] != null) result.Plan = update["plan"].ToObject<ScenePlan>(serializer);
                    else if (update["asset"] != null) result.Asset = update["asset"].ToObject<AssetInfo>(serializer);
                    else if (update["done"] != null)
                    {
                        result.Done = update["done"].ToObject<Done>(serializer);
                        break;
                    }
                }
            }
            if (result.Done == null || result.Asset == null)
                throw new IOException("the generate stream ended before its done line");
            if (result.AssetId == null) result.AssetId = result.Asset.AssetId;
            return result;
        }

        /// <summary>The HTTP status the gateway uses for a gRPC status name (for errors that arrive in a stream).</summary>
        static int HttpStatusFor(string status)
        {
            switch (status)
            {
                case "INVALID_ARGUMENT": return 400;
                case "UNAUTHENTICATED": return 401;
                case "NOT_FOUND": return 404;
                case "RESOURCE_EXHAUSTED": return 429;
                case "CANCELLED": return 499;
                case "UNAVAILABLE": return 503;
                case "DEADLINE_EXCEEDED": return 504;
                default: return 500;
            }
        }

        /// <summary>One call with retries: <paramref name="onSuccess"/> reads a 2xx answer; anything else is a typed error.</summary>
        async Task<T> SendAsync<T>(string method, string path, object body, Deadline deadline, CancellationToken cancellation,
            Func<TransportResponse, Task<T>> onSuccess)
        {
            var bytes = body == null ? null : Encoding.UTF8.GetBytes(ProtoJson.Serialize(body));
            for (var attempt = 1; ; attempt++)
            {
                var request = NewRequest(method, path, bytes, deadline);
                SoundloomException failure;
                try
                {
                    using (var response = await _transport.SendAsync(request, cancellation).ConfigureAwait(false))
                    {
                        if (response.Status >= 200 && response.Status < 300)
                            return await onSuccess(response).ConfigureAwait(false);
                        failure = await ErrorFromAsync(response, cancellation).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException ex)
                {
                    if (cancellation.IsCancellationRequested) throw;
                    throw new DeadlineExceededException(method + " /" + path + ": deadline of " + deadline.Budget.TotalSeconds + " s exceeded", ex);
                }
                catch (IOException ex)
                {
                    if (deadline.Passed)
                        throw new DeadlineExceededException(method + " /" + path + ": deadline of " + deadline.Budget.TotalSeconds + " s exceeded", ex);
                    failure = new UnavailableException(0, method + " /" + path + ": " + ex.Message, ex);
                }
                catch (SoundloomException ex)
                {
                    failure = ex; // an error line inside a 200 stream
                }
                await WaitBeforeRetryAsync(failure, attempt, deadline, cancellation).ConfigureAwait(false);
            }
        }

        /// <summary>Waits before the next attempt, or throws the failure when it is final.</summary>
        async Task WaitBeforeRetryAsync(SoundloomException failure, int attempt, Deadline deadline, CancellationToken cancellation)
        {
            if (!IsRetryable(failure) || attempt >= Math.Max(1, _options.MaxAttempts))
                throw failure;
            var delay = Backoff(attempt);
            if (failure.RetryAfterS.HasValue)
            {
                var asked = TimeSpan.FromSeconds(failure.RetryAfterS.Value);
                if (asked > delay) delay = asked;
            }
            if (delay >= deadline.Remaining)
                throw failure; // waiting would pass the deadline: the server's answer is the better error
            var handler = Retrying;
            if (handler != null)
                handler(new RetryInfo { Attempt = attempt, Delay = delay, HttpStatus = failure.HttpStatus, Reason = failure.Message });
            await Task.Delay(delay, cancellation).ConfigureAwait(false);
        }

        static bool IsRetryable(SoundloomException failure)
        {
            if (failure is IntegrityException) return true;
            if (failure.HttpStatus == 429 || failure.HttpStatus == 503 || failure.HttpStatus == 416) return true;
            return failure.HttpStatus == 0 && failure is UnavailableException; // no answer: connection refused or cut
        }

        TimeSpan Backoff(int attempt)
        {
            var cap = Math.Min(_options.MaxBackoff.TotalMilliseconds,
                _options.InitialBackoff.TotalMilliseconds * Math.Pow(2, attempt - 1));
            double unit;
            lock (_jitter) unit = _jitter.NextDouble();
            return TimeSpan.FromMilliseconds(cap * (0.5 + 0.5 * unit)); // "equal jitter": never near 0
        }

        TransportRequest NewRequest(string method, string path, byte[] body, Deadline deadline)
        {
            var request = new TransportRequest(method, new Uri(_options.BaseUrl, path));
            if (!string.IsNullOrEmpty(_options.Token))
                request.Headers["Authorization"] = "Bearer " + _options.Token;
            request.Headers["Accept"] = "application/json";
            var remaining = deadline.Remaining;
            if (remaining <= TimeSpan.Zero)
                throw new DeadlineExceededException(method + " /" + path + ": deadline of " + deadline.Budget.TotalSeconds + " s exceeded");
            // The server stops rendering when the caller's deadline passes.
            request.Headers["X-Request-Timeout"] = Math.Max(0.001, remaining.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture);
            if (body != null)
            {
                request.Body = body;
                request.Headers["Content-Type"] = "application/json";
            }
            request.Timeout = remaining;
            return request;
        }

        static async Task<SoundloomException> ErrorFromAsync(TransportResponse response, CancellationToken cancellation)
        {
            string text;
            try { text = await ReadTextAsync(response.Body, cancellation).ConfigureAwait(false); }
            catch (IOException) { text = ""; }
            string status = null, message = null;
            try
            {
                var parsed = JsonConvert.DeserializeObject<ErrorBody>(text);
                if (parsed != null && parsed.Error != null)
                {
                    status = parsed.Error.Status;
                    message = parsed.Error.Message;
                }
            }
            catch (JsonException) { }
            if (string.IsNullOrEmpty(status)) status = SoundloomException.StatusForHttp(response.Status);
            if (string.IsNullOrEmpty(message)) message = "HTTP " + response.Status + (text.Length > 0 ? ": " + Truncate(text, 200) : "");
            var error = SoundloomException.For(status, response.Status, message);
            error.RetryAfterS = ParseRetryAfter(response.Header("Retry-After"));
            return error;
        }

        /// <summary>Retry-After as seconds: delta-seconds or an HTTP date; null when absent or unreadable.</summary>
        public static double? ParseRetryAfter(string value)
        {
            if (string.IsNullOrEmpty(value)) return null;
            double seconds;
            if (double.TryParse(value.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out seconds))
                return seconds >= 0 ? seconds : (double?)null;
            DateTime when;
            if (DateTime.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out when))
                return Math.Max(0, (when - DateTime.UtcNow).TotalSeconds);
            return null;
        }

        static async Task<string> ReadTextAsync(Stream body, CancellationToken cancellation)
        {
            using (var memory = new MemoryStream())
            {
                var buffer = new byte[CopyBuffer];
                while (true)
                {
                    var read = await body.ReadAsync(buffer, 0, buffer.Length, cancellation).ConfigureAwait(false);
                    if (read <= 0) break;
                    memory.Write(buffer, 0, read);
                }
                return Encoding.UTF8.GetString(memory.ToArray());
            }
        }

        static string Truncate(string text, int length) { return text.Length <= length ? text : text.Substring(0, length) + "..."; }

        static string CheckId(string assetId)
        {
            if (!Hashing.IsSha256Hex(assetId))
                throw new InvalidArgumentException(0, "asset_id must be 64 lowercase hex digits, got '" + Truncate(assetId ?? "", 80) + "'");
            return assetId;
        }
    }
}
