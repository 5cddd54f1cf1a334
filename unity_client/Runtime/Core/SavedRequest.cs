using System.IO;
using Newtonsoft.Json;
using Soundloom.V1;

namespace Soundloom
{
    /// <summary>
    /// The request an imported sound was generated from, saved beside it as
    /// <c>name.soundloom.json</c> so the editor can regenerate it (same request: same bytes from
    /// the procedural renderer) or vary it (the next seed).
    /// </summary>
    public sealed class SavedRequest
    {
        public const string Suffix = ".soundloom.json";

        [JsonProperty("server")] public string Server { get; set; }
        [JsonProperty("request")] public GenerateSceneRequest Request { get; set; }
        [JsonProperty("asset_id")] public string AssetId { get; set; }
        [JsonProperty("file")] public string File { get; set; }

        public string ToJson() { return JsonConvert.SerializeObject(this, Formatting.Indented, ProtoJson.Settings()); }

        public static SavedRequest FromJson(string json)
        {
            var saved = JsonConvert.DeserializeObject<SavedRequest>(json, ProtoJson.Settings());
            if (saved == null || saved.Request == null) throw new InvalidDataException("not a saved Soundloom request (no \"request\")");
            return saved;
        }

        /// <summary>The same request with the next seed (a variation of the same sound).</summary>
        public GenerateSceneRequest Varied(ulong step = 1)
        {
            var copy = JsonConvert.DeserializeObject<GenerateSceneRequest>(ProtoJson.Serialize(Request), ProtoJson.Settings());
            copy.Options = copy.Options ?? new RenderOptions();
            copy.Options.Seed = (copy.Options.Seed ?? 0) + step;
            return copy;
        }

        /// <summary>Where the request of an imported file is saved.</summary>
        public static string PathBeside(string audioPath)
        {
            return Path.Combine(Path.GetDirectoryName(audioPath) ?? "", Path.GetFileNameWithoutExtension(audioPath) + Suffix);
        }
    }
}
