using System;
using System.Globalization;
using System.Linq;
using System.Text;
using Soundloom.V1;

namespace Soundloom
{
    /// <summary>How Unity should load a clip (mirrors AudioClipLoadType, without the engine).</summary>
    public enum ClipLoad
    {
        DecompressOnLoad = 0,
        CompressedInMemory = 1,
        Streaming = 2,
    }

    /// <summary>How Unity should store a clip (mirrors AudioCompressionFormat's useful cases).</summary>
    public enum ClipCompression
    {
        Pcm = 0,
        Vorbis = 1,
        Adpcm = 2,
    }

    /// <summary>
    /// The import settings and names a generated sound gets in a Unity project: beds (ambience,
    /// loops, anything long) stream as Vorbis; short one-shots decompress on load (no decode cost
    /// when they fire). Engine-free so it is tested outside Unity; the editor applies it.
    /// </summary>
    public sealed class ImportProfile
    {
        /// <summary>One-shots longer than this stream too (a 20 s stinger is a bed to the memory budget).</summary>
        public const double LongOneShotS = 10.0;

        public ClipLoad Load { get; private set; }
        public ClipCompression Compression { get; private set; }
        /// <summary>Vorbis quality 0..1 (Unity's AudioImporterSampleSettings.quality).</summary>
        public float Quality { get; private set; }
        public bool LoadInBackground { get; private set; }
        public bool PreloadAudioData { get; private set; }

        /// <summary>The profile for a sound of this kind and length.</summary>
        public static ImportProfile For(bool isBed, double durationS)
        {
            if (isBed || durationS > LongOneShotS)
                return new ImportProfile { Load = ClipLoad.Streaming, Compression = ClipCompression.Vorbis, Quality = 0.7f, LoadInBackground = true, PreloadAudioData = false };
            return new ImportProfile { Load = ClipLoad.DecompressOnLoad, Compression = durationS <= 2.0 ? ClipCompression.Pcm : ClipCompression.Adpcm, Quality = 1f, LoadInBackground = false, PreloadAudioData = true };
        }

        /// <summary>The profile for a generated asset: a bed when it loops or its plan holds only ambience.</summary>
        public static ImportProfile For(AssetInfo info, ScenePlan plan)
        {
            var bed = info.Loop != null || (plan != null && plan.Events != null && plan.Events.Count > 0
                                                        && plan.Events.All(e => e.Kind == EventKind.Ambience));
            return For(bed, info.DurationS);
        }

        /// <summary>A file name stem from a prompt: lower-case ASCII words joined by '_', at most <paramref name="maxLength"/> characters.</summary>
        public static string NameFromPrompt(string prompt, int maxLength = 48)
        {
            var decomposed = (prompt ?? "").Normalize(NormalizationForm.FormD);
            var builder = new StringBuilder();
            var gap = false;
            foreach (var c in decomposed)
            {
                if (CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.NonSpacingMark) continue;
                if (c < 128 && char.IsLetterOrDigit(c))
                {
                    if (gap && builder.Length > 0) builder.Append('_');
                    builder.Append(char.ToLowerInvariant(c));
                    gap = false;
                }
                else gap = true;
            }
            var name = builder.ToString();
            if (name.Length > maxLength)
            {
                var cut = name.LastIndexOf('_', maxLength);
                name = name.Substring(0, cut > maxLength / 2 ? cut : maxLength);
            }
            return name.Length == 0 ? "soundloom" : name;
        }

        /// <summary>The first of stem, stem_02, stem_03 ... that <paramref name="taken"/> does not hold.</summary>
        public static string UniqueName(string stem, Func<string, bool> taken)
        {
            if (!taken(stem)) return stem;
            for (var i = 2; ; i++)
            {
                var candidate = stem + "_" + i.ToString("00", CultureInfo.InvariantCulture);
                if (!taken(candidate)) return candidate;
            }
        }
    }
}
