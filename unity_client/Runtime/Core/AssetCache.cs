using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Newtonsoft.Json;
using Soundloom.V1;

namespace Soundloom
{
    /// <summary>A generated asset on disk: its description, its plan, and where its files are.</summary>
    public sealed class SoundloomAsset
    {
        public SoundloomAsset(AssetInfo info, ScenePlan plan, string directory)
        {
            Info = info;
            Plan = plan;
            Directory = directory;
        }

        public AssetInfo Info { get; private set; }
        /// <summary>The plan that was rendered (may be null for assets fetched by id).</summary>
        public ScenePlan Plan { get; private set; }
        public string Directory { get; private set; }
        public string AssetId { get { return Info.AssetId; } }
        /// <summary>The main audio file (scene.wav / scene.ogg / scene.flac).</summary>
        public string MainPath { get { return PathOf(Info.Files[0].Name); } }
        /// <summary>True when nothing was downloaded: the files came from the disk cache.</summary>
        public bool FromCache { get; internal set; }
        /// <summary>True when the server could not be reached and the cache answered.</summary>
        public bool Offline { get; internal set; }
        /// <summary>True when the server confirmed the cached bytes with 304 Not Modified.</summary>
        public bool Revalidated { get; internal set; }
        public LoopPoints Loop { get { return Info.Loop; } }
        public IList<Marker> Markers { get { return Info.Markers ?? new List<Marker>(); } }

        public string PathOf(string fileName) { return Path.Combine(Directory, fileName); }

        internal SoundloomAsset With(bool fromCache, bool offline, bool revalidated)
        {
            return new SoundloomAsset(Info, Plan, Directory) { FromCache = fromCache, Offline = offline, Revalidated = revalidated };
        }
    }

    /// <summary>What entry.json of a cache entry records.</summary>
    sealed class CacheEntryFile
    {
        [JsonProperty("asset_id")] public string AssetId { get; set; }
        [JsonProperty("created_unix")] public long CreatedUnix { get; set; }
        [JsonProperty("asset")] public AssetInfo Asset { get; set; }
        [JsonProperty("plan")] public ScenePlan Plan { get; set; }
    }

    /// <summary>
    /// Generated assets on disk, keyed by the server's content address (the asset id: sha256 of the
    /// canonical request and the engine version). Layout under the root:
    /// <c>assets/ab/abcd…/</c> holds an asset's files and <c>entry.json</c> (its AssetInfo and
    /// plan); <c>staging/abcd…/</c> holds downloads in progress (a cut-off file stays as
    /// <c>name.part</c> and is resumed); <c>requests/</c> maps a request (its JSON and the server
    /// URL, hashed) to the asset id the server answered, which is what makes an offline hit
    /// possible without the engine. An entry appears by renaming its finished folder into place.
    /// Every file is sha256-checked when it arrives; on a hit, files up to
    /// <see cref="HashOnReadBytes"/> are checked again (larger ones by size). entry.json's
    /// modification time is the LRU clock; beyond <see cref="MaxBytes"/> the least recently used
    /// entries are evicted.
    /// </summary>
    public sealed class AssetCache
    {
        public const string EntryFile = "entry.json";
        readonly object _lock = new object();

        public AssetCache(string root, long maxBytes)
        {
            if (string.IsNullOrEmpty(root)) throw new ArgumentException("root must be a folder", "root");
            if (maxBytes < 0) throw new ArgumentException("maxBytes must be >= 0, got " + maxBytes, "maxBytes");
            Root = Path.GetFullPath(root);
            MaxBytes = maxBytes;
            HashOnReadBytes = 32L << 20;
        }

        public string Root { get; private set; }
        public long MaxBytes { get; set; }
        /// <summary>Files up to this size are sha256-checked on every hit; default 32 MiB.</summary>
        public long HashOnReadBytes { get; set; }

        string AssetsDir { get { return Path.Combine(Root, "assets"); } }

        public string DirectoryFor(string assetId)
        {
            if (!Hashing.IsSha256Hex(assetId))
                throw new ArgumentException("asset id must be 64 lowercase hex digits, got '" + assetId + "'", "assetId");
            return Path.Combine(Path.Combine(AssetsDir, assetId.Substring(0, 2)), assetId);
        }

        /// <summary>Where downloads of an asset's files wait until the asset is complete.</summary>
        public string StagingFor(string assetId)
        {
            DirectoryFor(assetId);
            return Path.Combine(Path.Combine(Root, "staging"), assetId);
        }

        public bool Contains(string assetId) { return File.Exists(Path.Combine(DirectoryFor(assetId), EntryFile)); }

        /// <summary>The cached asset, checked; null when absent (a damaged entry is removed).</summary>
        public SoundloomAsset Get(string assetId)
        {
            var directory = DirectoryFor(assetId);
            var entryPath = Path.Combine(directory, EntryFile);
            CacheEntryFile entry;
            try
            {
                entry = ProtoJson.Deserialize<CacheEntryFile>(File.ReadAllText(entryPath));
            }
            catch (IOException) { return null; }
            catch (UnauthorizedAccessException) { return null; }
            catch (JsonException) { Remove(assetId); return null; }
            if (entry == null || entry.Asset == null || entry.Asset.Files == null || entry.Asset.Files.Count == 0
                || entry.Asset.AssetId != assetId || !FilesIntact(directory, entry.Asset, HashOnReadBytes))
            {
                Remove(assetId);
                return null;
            }
            try { File.SetLastWriteTimeUtc(entryPath, DateTime.UtcNow); } // the LRU clock
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
            return new SoundloomAsset(entry.Asset, entry.Plan, directory) { FromCache = true };
        }

        /// <summary>
        /// Moves a staging folder holding every file of <paramref name="info"/> (already checked)
        /// in as the entry for its id, then evicts beyond the cap (never this entry).
        /// </summary>
        public SoundloomAsset Commit(AssetInfo info, ScenePlan plan, string staging)
        {
            var entry = new CacheEntryFile
            {
                AssetId = info.AssetId,
                CreatedUnix = (long)(DateTime.UtcNow - new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc)).TotalSeconds,
                Asset = info,
                Plan = plan,
            };
            Files.WriteAtomically(Path.Combine(staging, EntryFile), JsonConvert.SerializeObject(entry, Formatting.Indented, ProtoJson.Settings()));
            var final = DirectoryFor(info.AssetId);
            lock (_lock)
            {
                Directory.CreateDirectory(Path.GetDirectoryName(final));
                if (Directory.Exists(final))
                {
                    if (Get(info.AssetId) != null)
                    {
                        Directory.Delete(staging, true); // someone cached it first: keep theirs
                        return Get(info.AssetId);
                    }
                    Remove(info.AssetId);
                }
                Directory.Move(staging, final);
            }
            Evict(info.AssetId);
            var asset = Get(info.AssetId);
            if (asset == null) throw new IntegrityException("cache entry " + info.AssetId + " failed its check right after it was written");
            asset.FromCache = false;
            return asset;
        }

        public void Remove(string assetId)
        {
            var directory = DirectoryFor(assetId);
            try
            {
                if (Directory.Exists(directory)) Directory.Delete(directory, true);
            }
            catch (IOException) { }
            catch (UnauthorizedAccessException) { }
        }

        // ------------------------------------------------------------ request index

        /// <summary>Remembers which asset the server gave for a request key.</summary>
        public void Remember(string requestKey, string assetId)
        {
            Files.WriteAtomically(RequestPath(requestKey), assetId + "\n");
        }

        /// <summary>The asset id last given for a request key, or null.</summary>
        public string Lookup(string requestKey)
        {
            try
            {
                var text = File.ReadAllText(RequestPath(requestKey)).Trim();
                return Hashing.IsSha256Hex(text) ? text : null;
            }
            catch (IOException) { return null; }
            catch (UnauthorizedAccessException) { return null; }
        }

        string RequestPath(string requestKey)
        {
            if (!Hashing.IsSha256Hex(requestKey)) throw new ArgumentException("request key must be a sha256", "requestKey");
            return Path.Combine(Path.Combine(Path.Combine(Root, "requests"), requestKey.Substring(0, 2)), requestKey);
        }

        // ------------------------------------------------------------ size

        /// <summary>Every entry: id, bytes, last use.</summary>
        public IList<KeyValuePair<string, long>> Entries(out List<DateTime> lastUsed)
        {
            var result = new List<KeyValuePair<string, long>>();
            lastUsed = new List<DateTime>();
            if (!Directory.Exists(AssetsDir)) return result;
            foreach (var shard in Directory.GetDirectories(AssetsDir))
            foreach (var directory in Directory.GetDirectories(shard))
            {
                var entry = Path.Combine(directory, EntryFile);
                if (!File.Exists(entry)) continue;
                long bytes = 0;
                foreach (var file in Directory.GetFiles(directory)) bytes += new FileInfo(file).Length;
                result.Add(new KeyValuePair<string, long>(Path.GetFileName(directory), bytes));
                lastUsed.Add(File.GetLastWriteTimeUtc(entry));
            }
            return result;
        }

        /// <summary>Bytes held by complete entries.</summary>
        public long SizeBytes()
        {
            List<DateTime> ignored;
            return Entries(out ignored).Sum(e => e.Value);
        }

        /// <summary>Evicts least recently used entries until the cache fits <see cref="MaxBytes"/>; returns how many.</summary>
        public int Evict(string keep = null)
        {
            lock (_lock)
            {
                List<DateTime> lastUsed;
                var entries = Entries(out lastUsed);
                var total = entries.Sum(e => e.Value);
                var order = Enumerable.Range(0, entries.Count).OrderBy(i => lastUsed[i]).ThenBy(i => entries[i].Key, StringComparer.Ordinal);
                var evicted = 0;
                foreach (var i in order)
                {
                    if (total <= MaxBytes) break;
                    if (entries[i].Key == keep) continue;
                    Remove(entries[i].Key);
                    total -= entries[i].Value;
                    evicted++;
                }
                return evicted;
            }
        }

        /// <summary>Re-checks every entry in full; removes and returns the ids that fail.</summary>
        public IList<string> Verify()
        {
            var bad = new List<string>();
            List<DateTime> ignored;
            foreach (var entry in Entries(out ignored))
            {
                var directory = DirectoryFor(entry.Key);
                CacheEntryFile parsed = null;
                try { parsed = ProtoJson.Deserialize<CacheEntryFile>(File.ReadAllText(Path.Combine(directory, EntryFile))); }
                catch (Exception) { }
                if (parsed == null || parsed.Asset == null || !FilesIntact(directory, parsed.Asset, long.MaxValue))
                {
                    Remove(entry.Key);
                    bad.Add(entry.Key);
                }
            }
            return bad;
        }

        static bool FilesIntact(string directory, AssetInfo info, long hashUpTo)
        {
            foreach (var file in info.Files)
            {
                if (file.Name.IndexOfAny(new[] { '/', '\\' }) >= 0 || file.Name.StartsWith(".")) return false;
                var path = Path.Combine(directory, file.Name);
                if (!File.Exists(path)) return false;
                var size = new FileInfo(path).Length;
                if ((ulong)size != file.SizeBytes) return false;
                if (size <= hashUpTo && Hashing.FileSha256(path) != file.Sha256) return false;
            }
            return true;
        }
    }
}
