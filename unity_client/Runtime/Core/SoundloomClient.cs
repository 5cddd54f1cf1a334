using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Soundloom.V1;

namespace Soundloom
{
    /// <summary>Where a generate is, for a progress bar.</summary>
    public sealed class GenerateProgress
    {
        /// <summary>"waiting", then the server's stages ("plan", "render", "mix", "master", "package", "encode"), "downloading", "done".</summary>
        public string Phase { get; internal set; }
        /// <summary>0..1 over the whole call: the server's stages (from POST /v1/generate/stream) up to 0.9, then the download.</summary>
        public double Fraction { get; internal set; }
        public string Message { get; internal set; }
    }

    /// <summary>
    /// The Soundloom client: generate a scene (from words or an edited plan) and get its files on
    /// disk, through the disk cache. Cache first (<see cref="CachePolicy.PreferCache"/>), then the
    /// server; when the server cannot be reached, a cached answer to the same request is used
    /// (<see cref="SoundloomAsset.Offline"/>). Engine-free: Unity code wraps it with
    /// Soundloom.Unity.SoundloomUnity, which supplies a UnityWebRequest transport and AudioClips.
    /// </summary>
    public sealed class SoundloomClient : IDisposable
    {
        readonly ClientOptions _options;
        readonly ITransport _transport;
        readonly bool _ownsTransport;
        readonly string _scratch;
        readonly Dictionary<string, SemaphoreSlim> _inFlight = new Dictionary<string, SemaphoreSlim>();

        public SoundloomClient(ClientOptions options, ITransport transport = null)
        {
            _options = options;
            _ownsTransport = transport == null;
            _transport = transport ?? new HttpClientTransport();
            Gateway = new Gateway(options, _transport);
            if (options.CacheEnabled)
            {
                Cache = new AssetCache(options.CacheDirectory ?? DefaultCacheDirectory(), options.CacheMaxBytes);
            }
            else
            {
                _scratch = Path.Combine(Path.GetTempPath(), "soundloom-scratch-" + Guid.NewGuid().ToString("N"));
                Cache = new AssetCache(_scratch, long.MaxValue);
            }
        }

        /// <summary>The low-level routes (plan, generate, meta, download...).</summary>
        public Gateway Gateway { get; private set; }
        /// <summary>The disk cache (a scratch one, removed on Dispose, when the cache is off).</summary>
        public AssetCache Cache { get; private set; }
        public ClientOptions Options { get { return _options; } }

        /// <summary>$SOUNDLOOM_CACHE_DIR, else the user's local application data folder.</summary>
        public static string DefaultCacheDirectory()
        {
            var overridden = Environment.GetEnvironmentVariable("SOUNDLOOM_CACHE_DIR");
            if (!string.IsNullOrEmpty(overridden)) return overridden;
            var local = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            if (string.IsNullOrEmpty(local)) local = Path.GetTempPath();
            return Path.Combine(Path.Combine(local, "soundloom"), "unity-cache");
        }

        /// <summary>Plan a scene from words (nothing is rendered); edit the plan and pass it to RenderAsync.</summary>
        public async Task<ScenePlan> PlanAsync(string description, double durationS = 0, RenderOptions options = null,
            CancellationToken cancellation = default(CancellationToken))
        {
            var request = new PlanSceneRequest { Scene = new SceneRequest { Description = description, DurationS = durationS }, Options = options };
            var response = await Gateway.PlanAsync(request, cancellation).ConfigureAwait(false);
            return response.Plan;
        }

        /// <summary>Generate from words; see <see cref="GenerateAsync(GenerateSceneRequest, IProgress{GenerateProgress}, CancellationToken)"/>.</summary>
        public Task<SoundloomAsset> GenerateAsync(string description, double durationS = 0, RenderOptions options = null,
            IProgress<GenerateProgress> progress = null, CancellationToken cancellation = default(CancellationToken))
        {
            var request = new GenerateSceneRequest { Scene = new SceneRequest { Description = description, DurationS = durationS }, Options = options };
            return GenerateAsync(request, progress, cancellation);
        }

        /// <summary>Render an (edited) plan.</summary>
        public Task<SoundloomAsset> RenderAsync(ScenePlan plan, RenderOptions options = null,
            IProgress<GenerateProgress> progress = null, CancellationToken cancellation = default(CancellationToken))
        {
            return GenerateAsync(new GenerateSceneRequest { Plan = plan, Options = options }, progress, cancellation);
        }

        /// <summary>
        /// Generate a scene and return it with every file on disk, sha256-checked. Cache first
        /// (unless <see cref="CachePolicy.Revalidate"/>), then the server, then, if the server is
        /// unreachable, a cached answer to the same request.
        /// </summary>
        public async Task<SoundloomAsset> GenerateAsync(GenerateSceneRequest request, IProgress<GenerateProgress> progress,
            CancellationToken cancellation)
        {
            if (request == null) throw new ArgumentNullException("request");
            var key = RequestKey(request);
            if (_options.CacheEnabled && _options.CachePolicy == CachePolicy.PreferCache)
            {
                var cached = CachedFor(key);
                if (cached != null)
                {
                    Report(progress, "done", 1, "from the cache");
                    return cached;
                }
            }
            Report(progress, "waiting", 0, "the server is planning and rendering");
            GenerateResult result;
            try
            {
                result = await Gateway.GenerateStreamAsync(request, stage => ReportStage(progress, stage), cancellation).ConfigureAwait(false);
            }
            catch (UnavailableException)
            {
                var offline = _options.CacheEnabled ? CachedFor(key) : null;
                if (offline == null) throw;
                Report(progress, "done", 1, "from the cache (server unreachable)");
                return offline.With(true, true, false);
            }
            if (_options.CacheEnabled) Cache.Remember(key, result.AssetId);
            var asset = await FilesOfAsync(result.Asset, result.Plan, progress, cancellation).ConfigureAwait(false);
            Report(progress, "done", 1, asset.FromCache ? "from the cache" : "downloaded");
            return asset;
        }

        /// <summary>
        /// An asset by id (e.g. from a bank or a saved request): from the cache, revalidated with
        /// ETag / If-None-Match under <see cref="CachePolicy.Revalidate"/>; else meta + download.
        /// </summary>
        public async Task<SoundloomAsset> FetchAsync(string assetId, CancellationToken cancellation = default(CancellationToken))
        {
            var cached = _options.CacheEnabled ? Cache.Get(assetId) : null;
            if (cached != null && _options.CachePolicy == CachePolicy.PreferCache) return cached;
            if (cached != null)
            {
                var main = cached.Info.Files[0];
                var probe = Path.Combine(Cache.StagingFor(assetId), "." + main.Name + ".revalidate");
                Directory.CreateDirectory(Path.GetDirectoryName(probe));
                try
                {
                    var report = await Gateway.DownloadAsync(assetId, main.Name, probe, main.Sha256, (long)main.SizeBytes,
                        main.Sha256, null, cancellation).ConfigureAwait(false);
                    if (File.Exists(probe)) File.Delete(probe); // content-addressed: a 200 brings the same bytes
                    return cached.With(true, false, report.NotModified);
                }
                catch (UnavailableException) { return cached.With(true, true, false); }
                catch (NotFoundException) { return cached; } // evicted on the server; ours is still right
            }
            var info = await Gateway.MetaAsync(assetId, cancellation).ConfigureAwait(false);
            return await FilesOfAsync(info, null, null, cancellation).ConfigureAwait(false);
        }

        /// <summary>The asset's files from the cache, or downloaded (resumably) and committed to it.</summary>
        async Task<SoundloomAsset> FilesOfAsync(AssetInfo info, ScenePlan plan, IProgress<GenerateProgress> progress,
            CancellationToken cancellation)
        {
            var gate = GateFor(info.AssetId);
            await gate.WaitAsync(cancellation).ConfigureAwait(false);
            try
            {
                var cached = Cache.Get(info.AssetId);
                if (cached != null) return cached;
                var staging = Cache.StagingFor(info.AssetId);
                Directory.CreateDirectory(staging);
                ulong total = 0, before = 0;
                foreach (var file in info.Files) total += file.SizeBytes;
                foreach (var file in info.Files)
                {
                    var destination = Path.Combine(staging, file.Name);
                    if (!File.Exists(destination) || Hashing.FileSha256(destination) != file.Sha256)
                    {
                        var offset = before;
                        // Inline, not Progress<T>: that posts each report to the thread pool, so two
                        // reports can arrive out of order and the bar would step back.
                        var bytes = progress == null ? null : new InlineProgress<long>(done =>
                            Report(progress, "downloading", ServerShare + (1 - ServerShare) * (total == 0 ? 1 : (offset + (ulong)done) / (double)total), file.Name));
                        await Gateway.DownloadAsync(info.AssetId, file.Name, destination, file.Sha256, (long)file.SizeBytes,
                            null, bytes, cancellation).ConfigureAwait(false);
                    }
                    before += file.SizeBytes;
                }
                foreach (var leftover in Directory.GetFiles(staging, "*.part")) File.Delete(leftover);
                return Cache.Commit(info, plan, staging);
            }
            finally
            {
                gate.Release();
            }
        }

        SoundloomAsset CachedFor(string requestKey)
        {
            var id = Cache.Lookup(requestKey);
            return id == null ? null : Cache.Get(id);
        }

        SemaphoreSlim GateFor(string assetId)
        {
            lock (_inFlight)
            {
                SemaphoreSlim gate;
                if (!_inFlight.TryGetValue(assetId, out gate))
                {
                    gate = new SemaphoreSlim(1, 1);
                    _inFlight[assetId] = gate;
                }
                return gate;
            }
        }

        /// <summary>
        /// The cache's name for a request: sha256 of the server URL and the request's JSON (minus
        /// client_request_id). It maps to the server's content address once the server has answered.
        /// </summary>
        public string RequestKey(GenerateSceneRequest request)
        {
            var copy = new GenerateSceneRequest { Scene = request.Scene, Plan = request.Plan, Options = request.Options };
            return Hashing.Sha256(_options.BaseUrl.AbsoluteUri + "\n" + ProtoJson.Serialize(copy));
        }

        // Share of the server's work per stage (render dominates), for one bar over the whole call.
        static readonly double[] StageWeights = { 0, 0.05, 0.6, 0.1, 0.1, 0.05, 0.1 };
        const double ServerShare = 0.9;

        static void ReportStage(IProgress<GenerateProgress> progress, Progress stage)
        {
            if (progress == null) return;
            var index = Math.Max(1, Math.Min((int)stage.Stage, StageWeights.Length - 1));
            double before = 0;
            for (var i = 1; i < index; i++) before += StageWeights[i];
            var fraction = ServerShare * (before + StageWeights[index] * Math.Max(0, Math.Min(1, stage.Fraction)));
            var name = ProtoEnumConverter.NameOf(stage.Stage).Replace("STAGE_", "").ToLowerInvariant();
            Report(progress, name, fraction, string.IsNullOrEmpty(stage.Message) ? name : name + ": " + stage.Message);
        }

        static void Report(IProgress<GenerateProgress> progress, string phase, double fraction, string message)
        {
            if (progress != null) progress.Report(new GenerateProgress { Phase = phase, Fraction = fraction, Message = message });
        }

        public void Dispose()
        {
            if (_ownsTransport) _transport.Dispose();
            if (_scratch != null && Directory.Exists(_scratch))
            {
                try { Directory.Delete(_scratch, true); }
                catch (IOException) { }
            }
        }
    }

    /// <summary>An IProgress that runs its handler on the reporting thread, in order.</summary>
    sealed class InlineProgress<T> : IProgress<T>
    {
        readonly Action<T> _handler;

        public InlineProgress(Action<T> handler) { _handler = handler; }

        public void Report(T value) { _handler(value); }
    }
}
