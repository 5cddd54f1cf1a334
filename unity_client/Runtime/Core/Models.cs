// Hand-written C# twins of the soundloom.v1 messages the HTTP/JSON gateway carries (proto3 JSON
// mapping, proto field names). Tests/Core/ProtoContractTests.cs checks every class, property,
// JSON name, type and enum value against proto/soundloom/v1/soundloom.proto, so a change to the
// contract fails CI until these follow. (Generated Google.Protobuf classes would pull the
// protobuf runtime, System.Memory and unsafe code into every Unity player for six small
// messages; Newtonsoft is already a Unity package.)
using System.Collections.Generic;
using System.Runtime.Serialization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Soundloom.V1
{
    /// <summary>Whether an event is a bed or a one-shot.</summary>
    public enum EventKind
    {
        [EnumMember(Value = "EVENT_KIND_UNSPECIFIED")] Unspecified = 0,
        [EnumMember(Value = "EVENT_KIND_AMBIENCE")] Ambience = 1,
        [EnumMember(Value = "EVENT_KIND_SFX")] Sfx = 2,
    }

    /// <summary>Container and codec of the main file.</summary>
    public enum AudioFormat
    {
        [EnumMember(Value = "AUDIO_FORMAT_UNSPECIFIED")] Unspecified = 0,
        [EnumMember(Value = "AUDIO_FORMAT_WAV")] Wav = 1,
        [EnumMember(Value = "AUDIO_FORMAT_OGG")] Ogg = 2,
        [EnumMember(Value = "AUDIO_FORMAT_FLAC")] Flac = 3,
        /// <summary>Ogg Opus: for web builds and pipelines; Unity does not import it (ask for Ogg or Wav).</summary>
        [EnumMember(Value = "AUDIO_FORMAT_OPUS")] Opus = 4,
    }

    /// <summary>A pipeline stage.</summary>
    public enum Stage
    {
        [EnumMember(Value = "STAGE_UNSPECIFIED")] Unspecified = 0,
        [EnumMember(Value = "STAGE_PLAN")] Plan = 1,
        [EnumMember(Value = "STAGE_RENDER")] Render = 2,
        [EnumMember(Value = "STAGE_MIX")] Mix = 3,
        [EnumMember(Value = "STAGE_MASTER")] Master = 4,
        [EnumMember(Value = "STAGE_PACKAGE")] Package = 5,
        [EnumMember(Value = "STAGE_ENCODE")] Encode = 6,
    }

    /// <summary>What a file of an asset is.</summary>
    public enum FileRole
    {
        [EnumMember(Value = "FILE_ROLE_UNSPECIFIED")] Unspecified = 0,
        [EnumMember(Value = "FILE_ROLE_MAIN")] Main = 1,
        [EnumMember(Value = "FILE_ROLE_SEGMENT")] Segment = 2,
        [EnumMember(Value = "FILE_ROLE_STEM")] Stem = 3,
        [EnumMember(Value = "FILE_ROLE_SIDECAR")] Sidecar = 4,
    }

    /// <summary>What a backend does.</summary>
    public enum BackendKind
    {
        [EnumMember(Value = "BACKEND_KIND_UNSPECIFIED")] Unspecified = 0,
        [EnumMember(Value = "BACKEND_KIND_PLANNER")] Planner = 1,
        [EnumMember(Value = "BACKEND_KIND_RENDERER")] Renderer = 2,
    }

    /// <summary>A recipe parameter: a number or a word (exactly one set).</summary>
    public sealed class ParamValue
    {
        [JsonProperty("number", Order = 1)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double? Number { get; set; }
        [JsonProperty("word", Order = 2)] public string Word { get; set; }

        public static ParamValue Of(double number) { return new ParamValue { Number = number }; }
        public static ParamValue Of(string word) { return new ParamValue { Word = word }; }
        public override string ToString() { return Word ?? (Number.HasValue ? Number.Value.ToString("R") : ""); }
    }

    /// <summary>One sound on the timeline: a bed or a one-shot.</summary>
    public sealed class Event
    {
        [JsonProperty("id", Order = 1)] public string Id { get; set; }
        [JsonProperty("kind", Order = 2)] public EventKind Kind { get; set; }
        [JsonProperty("caption", Order = 3)] public string Caption { get; set; }
        [JsonProperty("recipe", Order = 4)] public string Recipe { get; set; }
        [JsonProperty("start_s", Order = 5)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double StartS { get; set; }
        [JsonProperty("duration_s", Order = 6)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double DurationS { get; set; }
        [JsonProperty("gain_db", Order = 7)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double GainDb { get; set; }
        [JsonProperty("pan", Order = 8)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double Pan { get; set; }
        [JsonProperty("fade_in_s", Order = 9)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double FadeInS { get; set; }
        [JsonProperty("fade_out_s", Order = 10)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double FadeOutS { get; set; }
        [JsonProperty("loop", Order = 11)] public bool Loop { get; set; }
        [JsonProperty("params", Order = 12)] public Dictionary<string, ParamValue> Params { get; set; }
        [JsonProperty("renderer", Order = 13)] public string Renderer { get; set; }
        [JsonProperty("group", Order = 14)] public string Group { get; set; }
        [JsonProperty("implied", Order = 15)] public bool Implied { get; set; }
        [JsonProperty("match_score", Order = 16)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double? MatchScore { get; set; }
        [JsonProperty("automation", Order = 17)] public Automation Automation { get; set; }
        /// <summary>Fields a newer server sent that this client does not know: kept, so an edited plan round-trips.</summary>
        [JsonExtensionData] public IDictionary<string, JToken> Unknown { get; set; }
    }

    /// <summary>One point of an automation curve: t in [0, 1] of the event's length, and the value there.</summary>
    public sealed class CurvePoint
    {
        [JsonProperty("t", Order = 1)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double T { get; set; }
        [JsonProperty("value", Order = 2)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double Value { get; set; }
    }

    /// <summary>Curves over an event's time (linear between points, held outside them).</summary>
    public sealed class Automation
    {
        [JsonProperty("intensity", Order = 1)] public List<CurvePoint> Intensity { get; set; }
        [JsonProperty("distance", Order = 2)] public List<CurvePoint> Distance { get; set; }
        [JsonProperty("gain_db", Order = 3)] public List<CurvePoint> GainDb { get; set; }
        [JsonProperty("pan", Order = 4)] public List<CurvePoint> Pan { get; set; }
    }

    /// <summary>A timeline of events: the editable middle of the system.</summary>
    public sealed class ScenePlan
    {
        [JsonProperty("duration_s", Order = 1)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double DurationS { get; set; }
        [JsonProperty("events", Order = 2)] public List<Event> Events { get; set; }
        [JsonProperty("style", Order = 3)] public string Style { get; set; }
        [JsonProperty("environment", Order = 4)] public string Environment { get; set; }
        [JsonProperty("description", Order = 5)] public string Description { get; set; }
        [JsonProperty("planner", Order = 6)] public string Planner { get; set; }
        [JsonProperty("warnings", Order = 7)] public List<string> Warnings { get; set; }
        [JsonProperty("unmatched", Order = 8)] public List<string> Unmatched { get; set; }
        /// <summary>Fields a newer server sent that this client does not know: kept, so an edited plan round-trips.</summary>
        [JsonExtensionData] public IDictionary<string, JToken> Unknown { get; set; }
    }

    /// <summary>How to render, master and package a scene; unset fields are the server's defaults.</summary>
    public sealed class RenderOptions
    {
        [JsonProperty("sample_rate", Order = 1)] public uint SampleRate { get; set; }
        [JsonProperty("channels", Order = 2)] public uint Channels { get; set; }
        [JsonProperty("format", Order = 3)] public AudioFormat Format { get; set; }
        [JsonProperty("bit_depth", Order = 4)] public uint BitDepth { get; set; }
        /// <summary>oneof loudness: a preset (console, mobile, broadcast, streaming)...</summary>
        [JsonProperty("preset", Order = 5)] public string Preset { get; set; }
        /// <summary>...or a LUFS target in [-40, -6].</summary>
        [JsonProperty("target_lufs", Order = 6)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double? TargetLufs { get; set; }
        [JsonProperty("true_peak_db", Order = 7)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double? TruePeakDb { get; set; }
        [JsonProperty("seed", Order = 8)] [JsonConverter(typeof(Int64StringConverter))]
        public ulong? Seed { get; set; }
        [JsonProperty("loop", Order = 9)] public bool Loop { get; set; }
        [JsonProperty("segment_s", Order = 10)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double SegmentS { get; set; }
        [JsonProperty("stems", Order = 11)] public bool Stems { get; set; }
        [JsonProperty("planner", Order = 12)] public string Planner { get; set; }
        [JsonProperty("renderer", Order = 13)] public string Renderer { get; set; }
    }

    /// <summary>A scene asked for in words.</summary>
    public sealed class SceneRequest
    {
        [JsonProperty("description", Order = 1)] public string Description { get; set; }
        [JsonProperty("duration_s", Order = 2)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double DurationS { get; set; }
        [JsonProperty("style", Order = 3)] public string Style { get; set; }
        [JsonProperty("environment", Order = 4)] public string Environment { get; set; }
    }

    /// <summary>POST /v1/plan's body.</summary>
    public sealed class PlanSceneRequest
    {
        [JsonProperty("scene", Order = 1)] public SceneRequest Scene { get; set; }
        [JsonProperty("options", Order = 2)] public RenderOptions Options { get; set; }
    }

    /// <summary>POST /v1/plan's answer.</summary>
    public sealed class PlanSceneResponse
    {
        [JsonProperty("plan", Order = 1)] public ScenePlan Plan { get; set; }
    }

    /// <summary>POST /v1/generate's body: exactly one of Scene and Plan.</summary>
    public sealed class GenerateSceneRequest
    {
        [JsonProperty("scene", Order = 1)] public SceneRequest Scene { get; set; }
        [JsonProperty("plan", Order = 2)] public ScenePlan Plan { get; set; }
        [JsonProperty("options", Order = 3)] public RenderOptions Options { get; set; }
        [JsonProperty("client_request_id", Order = 4)] public string ClientRequestId { get; set; }
    }

    /// <summary>The request was accepted and queued.</summary>
    public sealed class Accepted
    {
        [JsonProperty("asset_id", Order = 1)] public string AssetId { get; set; }
        [JsonProperty("queue_position", Order = 2)] public uint QueuePosition { get; set; }
    }

    /// <summary>Progress within one stage.</summary>
    public sealed class Progress
    {
        [JsonProperty("stage", Order = 1)] public Stage Stage { get; set; }
        [JsonProperty("fraction", Order = 2)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double Fraction { get; set; }
        [JsonProperty("message", Order = 3)] public string Message { get; set; }
    }

    /// <summary>The end of a successful generation.</summary>
    public sealed class Done
    {
        [JsonProperty("cache_hit", Order = 1)] public bool CacheHit { get; set; }
        [JsonProperty("render_seconds", Order = 2)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double RenderSeconds { get; set; }
    }

    /// <summary>Measured loudness of the mastered audio.</summary>
    public sealed class LoudnessReport
    {
        [JsonProperty("integrated_lufs", Order = 1)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double IntegratedLufs { get; set; }
        [JsonProperty("true_peak_dbtp", Order = 2)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double TruePeakDbtp { get; set; }
        [JsonProperty("loudness_range_lu", Order = 3)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double LoudnessRangeLu { get; set; }
        [JsonProperty("sample_peak_dbfs", Order = 4)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double SamplePeakDbfs { get; set; }
        [JsonProperty("target_lufs", Order = 5)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double TargetLufs { get; set; }
        [JsonProperty("gain_db", Order = 6)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double GainDb { get; set; }
        [JsonProperty("limiter_reduction_db", Order = 7)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double LimiterReductionDb { get; set; }
        [JsonProperty("method", Order = 8)] public string Method { get; set; }
    }

    /// <summary>Loop points of a seamless loop, frames.</summary>
    public sealed class LoopPoints
    {
        [JsonProperty("start_frame", Order = 1)] public uint StartFrame { get; set; }
        [JsonProperty("length_frames", Order = 2)] public uint LengthFrames { get; set; }
    }

    /// <summary>A cue marker (event starts, segment boundaries), frames from the file's start.</summary>
    public sealed class Marker
    {
        [JsonProperty("frame", Order = 1)] public uint Frame { get; set; }
        [JsonProperty("label", Order = 2)] public string Label { get; set; }
        [JsonProperty("length_frames", Order = 3)] public uint LengthFrames { get; set; }
    }

    /// <summary>One file of an asset.</summary>
    public sealed class AssetFile
    {
        [JsonProperty("name", Order = 1)] public string Name { get; set; }
        [JsonProperty("role", Order = 2)] public FileRole Role { get; set; }
        [JsonProperty("sha256", Order = 3)] public string Sha256 { get; set; }
        [JsonProperty("size_bytes", Order = 4)] [JsonConverter(typeof(Int64StringConverter))]
        public ulong SizeBytes { get; set; }
        [JsonProperty("offset_frames", Order = 5)] [JsonConverter(typeof(Int64StringConverter))]
        public ulong? OffsetFrames { get; set; }
    }

    /// <summary>A generated, stored asset: its files and what was measured.</summary>
    public sealed class AssetInfo
    {
        [JsonProperty("asset_id", Order = 1)] public string AssetId { get; set; }
        [JsonProperty("sha256", Order = 2)] public string Sha256 { get; set; }
        [JsonProperty("size_bytes", Order = 3)] [JsonConverter(typeof(Int64StringConverter))]
        public ulong SizeBytes { get; set; }
        [JsonProperty("format", Order = 4)] public AudioFormat Format { get; set; }
        [JsonProperty("mime_type", Order = 5)] public string MimeType { get; set; }
        [JsonProperty("sample_rate", Order = 6)] public uint SampleRate { get; set; }
        [JsonProperty("channels", Order = 7)] public uint Channels { get; set; }
        [JsonProperty("duration_s", Order = 8)] [JsonConverter(typeof(ProtoDoubleConverter))]
        public double DurationS { get; set; }
        [JsonProperty("frames", Order = 9)] public uint Frames { get; set; }
        [JsonProperty("loudness", Order = 10)] public LoudnessReport Loudness { get; set; }
        [JsonProperty("loop", Order = 11)] public LoopPoints Loop { get; set; }
        [JsonProperty("markers", Order = 12)] public List<Marker> Markers { get; set; }
        [JsonProperty("files", Order = 13)] public List<AssetFile> Files { get; set; }
        [JsonProperty("engine_version", Order = 14)] public string EngineVersion { get; set; }
        [JsonProperty("seed", Order = 15)] [JsonConverter(typeof(Int64StringConverter))]
        public ulong Seed { get; set; }
        [JsonProperty("created_unix", Order = 16)] [JsonConverter(typeof(Int64StringConverter))]
        public long CreatedUnix { get; set; }
    }

    /// <summary>A planner or renderer backend.</summary>
    public sealed class Backend
    {
        [JsonProperty("name", Order = 1)] public string Name { get; set; }
        [JsonProperty("kind", Order = 2)] public BackendKind Kind { get; set; }
        [JsonProperty("available", Order = 3)] public bool Available { get; set; }
        [JsonProperty("reason", Order = 4)] public string Reason { get; set; }
        [JsonProperty("default", Order = 5)] public bool IsDefault { get; set; }
    }

    /// <summary>GET /v1/backends' answer.</summary>
    public sealed class ListBackendsResponse
    {
        [JsonProperty("backends", Order = 1)] public List<Backend> Backends { get; set; }
    }

    /// <summary>
    /// POST /v1/generate's answer (the gateway's own shape, not a proto message): the asset id and
    /// URL, the plan that was rendered, the asset's description and how it ended.
    /// </summary>
    public sealed class GenerateResult
    {
        [JsonProperty("asset_id", Order = 1)] public string AssetId { get; set; }
        [JsonProperty("asset_url", Order = 2)] public string AssetUrl { get; set; }
        [JsonProperty("plan", Order = 3)] public ScenePlan Plan { get; set; }
        [JsonProperty("asset", Order = 4)] public AssetInfo Asset { get; set; }
        [JsonProperty("done", Order = 5)] public Done Done { get; set; }
    }

    /// <summary>The gateway's error body: {"error": {"code", "status", "message"}}.</summary>
    public sealed class ErrorBody
    {
        [JsonProperty("error")] public ErrorDetail Error { get; set; }
    }

    /// <summary>The error's gRPC code number, name and field-named message.</summary>
    public sealed class ErrorDetail
    {
        [JsonProperty("code")] public int Code { get; set; }
        [JsonProperty("status")] public string Status { get; set; }
        [JsonProperty("message")] public string Message { get; set; }
    }
}
