using System;

namespace Soundloom
{
    /// <summary>Where the cache sits in a generate: first (no network on a hit) or after the server.</summary>
    public enum CachePolicy
    {
        /// <summary>A cached answer to the same request is used without asking the server (the default).</summary>
        PreferCache = 0,
        /// <summary>Always ask the server (ETag 304 for cached assets); the cache answers only when it is unreachable.</summary>
        Revalidate = 1,
    }

    /// <summary>How a <see cref="SoundloomClient"/> reaches the server and keeps assets.</summary>
    public sealed class ClientOptions
    {
        public ClientOptions(string baseUrl)
        {
            if (string.IsNullOrEmpty(baseUrl))
                throw new ArgumentException("baseUrl must be the gateway's URL, e.g. http://127.0.0.1:8080", "baseUrl");
            var text = baseUrl.TrimEnd('/') + "/";
            Uri uri;
            if (!Uri.TryCreate(text, UriKind.Absolute, out uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                throw new ArgumentException("baseUrl must be an http(s) URL, got '" + baseUrl + "'", "baseUrl");
            BaseUrl = uri;
            Timeout = TimeSpan.FromSeconds(30);
            GenerateTimeout = TimeSpan.FromMinutes(10);
            MaxAttempts = 5;
            InitialBackoff = TimeSpan.FromMilliseconds(250);
            MaxBackoff = TimeSpan.FromSeconds(10);
            CacheEnabled = true;
            CacheMaxBytes = 1L << 30;
        }

        /// <summary>The HTTP/JSON gateway, e.g. http://127.0.0.1:8080/.</summary>
        public Uri BaseUrl { get; private set; }
        /// <summary>Bearer token (sent as "Authorization: Bearer ..."), or null.</summary>
        public string Token { get; set; }
        /// <summary>Deadline of plan, meta, backends and each file download; default 30 s.</summary>
        public TimeSpan Timeout { get; set; }
        /// <summary>Deadline of a generate (rendering included; sent as X-Request-Timeout); default 10 min.</summary>
        public TimeSpan GenerateTimeout { get; set; }
        /// <summary>Attempts per call, the first included, for 429, 503 and lost connections; default 5.</summary>
        public int MaxAttempts { get; set; }
        /// <summary>First backoff; doubled per attempt up to <see cref="MaxBackoff"/>, with full jitter. Retry-After wins when longer.</summary>
        public TimeSpan InitialBackoff { get; set; }
        public TimeSpan MaxBackoff { get; set; }
        /// <summary>The disk cache's folder; null = the client's default (Unity: Application.persistentDataPath).</summary>
        public string CacheDirectory { get; set; }
        /// <summary>false = no disk cache: every call goes to the server, files land in a scratch folder removed on Dispose.</summary>
        public bool CacheEnabled { get; set; }
        /// <summary>Cache size cap, bytes; least recently used assets are evicted beyond it; default 1 GiB.</summary>
        public long CacheMaxBytes { get; set; }
        public CachePolicy CachePolicy { get; set; }
    }
}
