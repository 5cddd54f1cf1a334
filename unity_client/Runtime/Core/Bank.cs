using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Newtonsoft.Json;
using Soundloom.V1;

namespace Soundloom
{
    /// <summary>
    /// A bank built by <c>soundloom bank build bank.toml</c>: the folder's <c>bank.json</c>, read
    /// and checked (every listed file present with its size; sha256 on <see cref="Verify"/>).
    /// </summary>
    public sealed class BankIndex
    {
        [JsonProperty("bank")] public string Name { get; set; }
        [JsonProperty("soundloom")] public string EngineVersion { get; set; }
        /// <summary>False while a build is running or was killed: entries listed are complete, others may be missing.</summary>
        [JsonProperty("complete")] public bool Complete { get; set; }
        [JsonProperty("entries")] public List<BankEntry> Entries { get; set; }
        [JsonProperty("files")] public List<string> Files { get; set; }
        [JsonProperty("failed")] public List<BankFailure> Failed { get; set; }

        /// <summary>The folder bank.json was read from (file names are relative to it).</summary>
        [JsonIgnore] public string Folder { get; private set; }

        /// <summary>Reads bank.json from a bank folder (or the file itself).</summary>
        public static BankIndex Load(string path)
        {
            var file = Directory.Exists(path) ? Path.Combine(path, "bank.json") : path;
            var bank = Parse(File.ReadAllText(file));
            bank.Folder = Path.GetDirectoryName(Path.GetFullPath(file));
            return bank;
        }

        /// <summary>Parses bank.json text; throws InvalidDataException naming the first bad field.</summary>
        public static BankIndex Parse(string json)
        {
            BankIndex bank;
            try { bank = JsonConvert.DeserializeObject<BankIndex>(json, ProtoJson.Settings()); }
            catch (JsonException ex) { throw new InvalidDataException("bank.json is not valid JSON: " + ex.Message, ex); }
            if (bank == null) throw new InvalidDataException("bank.json is empty");
            if (string.IsNullOrEmpty(bank.Name)) throw new InvalidDataException("bank.json: bank must name the bank");
            if (bank.Entries == null) throw new InvalidDataException("bank.json: entries is missing");
            bank.Files = bank.Files ?? new List<string>();
            bank.Failed = bank.Failed ?? new List<BankFailure>();
            for (var i = 0; i < bank.Entries.Count; i++)
            {
                var entry = bank.Entries[i];
                var where = "bank.json: entries[" + i + "]";
                if (entry == null || string.IsNullOrEmpty(entry.Name)) throw new InvalidDataException(where + ".name is missing");
                if (entry.Variations == null || entry.Variations.Count == 0) throw new InvalidDataException(where + ".variations is empty");
                for (var j = 0; j < entry.Variations.Count; j++)
                {
                    var v = entry.Variations[j];
                    if (v == null || string.IsNullOrEmpty(v.File) || v.File.IndexOfAny(new[] { '/', '\\' }) >= 0 || v.File.StartsWith("."))
                        throw new InvalidDataException(where + ".variations[" + j + "].file must be a plain file name");
                    if (v.SampleRate <= 0 || v.Channels <= 0) throw new InvalidDataException(where + ".variations[" + j + "] has no sample_rate/channels");
                    v.Markers = v.Markers ?? new List<BankMarker>();
                    v.Segments = v.Segments ?? new List<BankSegment>();
                }
            }
            return bank;
        }

        /// <summary>The entry named <paramref name="name"/>, or null.</summary>
        public BankEntry Entry(string name) { return Entries.FirstOrDefault(e => e.Name == name); }

        /// <summary>Full path of a file of the bank.</summary>
        public string PathOf(BankVariation variation) { return Path.Combine(Folder ?? "", variation.File); }

        /// <summary>Files listed but missing or of the wrong size (sha256 too when <paramref name="hash"/>).</summary>
        public List<string> Verify(bool hash = true)
        {
            var problems = new List<string>();
            foreach (var entry in Entries)
            foreach (var v in entry.Variations)
            {
                var path = PathOf(v);
                if (!File.Exists(path)) { problems.Add(v.File + ": missing"); continue; }
                if (new FileInfo(path).Length != v.SizeBytes) { problems.Add(v.File + ": size differs from bank.json"); continue; }
                if (hash && Hashing.FileSha256(path) != v.Sha256) problems.Add(v.File + ": sha256 differs from bank.json");
            }
            return problems;
        }
    }

    /// <summary>One named sound of a bank, with its variations (door_slam_01.wav ...).</summary>
    public sealed class BankEntry
    {
        [JsonProperty("name")] public string Name { get; set; }
        /// <summary>"ambience" or "sfx".</summary>
        [JsonProperty("kind")] public string Kind { get; set; }
        [JsonProperty("description")] public string Description { get; set; }
        [JsonProperty("tags")] public List<string> Tags { get; set; }
        [JsonProperty("loop")] public bool Loop { get; set; }
        [JsonProperty("variations")] public List<BankVariation> Variations { get; set; }

        /// <summary>A variation picked with <paramref name="random"/>, never the <paramref name="avoid"/> index when there is another.</summary>
        public int PickVariation(Random random, int avoid = -1)
        {
            if (Variations.Count == 1) return 0;
            int index;
            do { index = random.Next(Variations.Count); } while (index == avoid);
            return index;
        }
    }

    /// <summary>One file of a bank entry and what the build measured.</summary>
    public sealed class BankVariation
    {
        [JsonProperty("file")] public string File { get; set; }
        /// <summary>The content address: the server's asset id for this variation.</summary>
        [JsonProperty("cache_key")] public string CacheKey { get; set; }
        [JsonProperty("seed")] [JsonConverter(typeof(Int64StringConverter))] public ulong Seed { get; set; }
        /// <summary>"wav", "ogg" or "flac".</summary>
        [JsonProperty("format")] public string Format { get; set; }
        [JsonProperty("sample_rate")] public int SampleRate { get; set; }
        [JsonProperty("channels")] public int Channels { get; set; }
        [JsonProperty("frames")] public long Frames { get; set; }
        [JsonProperty("duration_s")] [JsonConverter(typeof(ProtoDoubleConverter))] public double DurationS { get; set; }
        [JsonProperty("sha256")] public string Sha256 { get; set; }
        [JsonProperty("size_bytes")] public long SizeBytes { get; set; }
        [JsonProperty("loop")] public BankLoop Loop { get; set; }
        [JsonProperty("markers")] public List<BankMarker> Markers { get; set; }
        [JsonProperty("loudness")] public LoudnessReport Loudness { get; set; }
        [JsonProperty("segments")] public List<BankSegment> Segments { get; set; }

        /// <summary>The loop as the AssetInfo type (null when not a loop).</summary>
        public LoopPoints LoopPoints()
        {
            return Loop == null ? null : new LoopPoints { StartFrame = Loop.StartFrame, LengthFrames = Loop.LengthFrames };
        }

        /// <summary>The markers as the AssetInfo type.</summary>
        public List<Marker> AsMarkers()
        {
            return Markers.Select(m => new Marker { Frame = m.Frame, Label = m.Label, LengthFrames = m.LengthFrames }).ToList();
        }
    }

    public sealed class BankLoop
    {
        [JsonProperty("start_frame")] public uint StartFrame { get; set; }
        [JsonProperty("length_frames")] public uint LengthFrames { get; set; }
        [JsonProperty("start_s")] [JsonConverter(typeof(ProtoDoubleConverter))] public double StartS { get; set; }
        [JsonProperty("end_s")] [JsonConverter(typeof(ProtoDoubleConverter))] public double EndS { get; set; }
    }

    public sealed class BankMarker
    {
        [JsonProperty("frame")] public uint Frame { get; set; }
        [JsonProperty("time_s")] [JsonConverter(typeof(ProtoDoubleConverter))] public double TimeS { get; set; }
        [JsonProperty("label")] public string Label { get; set; }
        [JsonProperty("length_frames")] public uint LengthFrames { get; set; }
    }

    public sealed class BankSegment
    {
        [JsonProperty("file")] public string File { get; set; }
        [JsonProperty("start_frame")] public long StartFrame { get; set; }
        [JsonProperty("frames")] public long Frames { get; set; }
        [JsonProperty("sha256")] public string Sha256 { get; set; }
        [JsonProperty("size_bytes")] public long SizeBytes { get; set; }
    }

    public sealed class BankFailure
    {
        [JsonProperty("name")] public string Name { get; set; }
        [JsonProperty("error")] public string Error { get; set; }
    }
}
