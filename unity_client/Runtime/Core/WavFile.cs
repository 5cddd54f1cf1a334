using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Soundloom.V1;

namespace Soundloom
{
    /// <summary>
    /// A RIFF/WAVE file's format, its first <c>smpl</c> loop, its <c>cue </c> markers with their
    /// <c>LIST/adtl</c> <c>labl</c> labels and <c>ltxt</c> region lengths, and its samples as
    /// interleaved floats (PCM 8/16/24/32-bit and IEEE float 32). Loop and markers use the same
    /// types as the server's AssetInfo, so they compare directly.
    /// </summary>
    public sealed class WavFile
    {
        const ushort FormatPcm = 1, FormatFloat = 3, FormatExtensible = 0xFFFE;

        public int SampleRate { get; private set; }
        public int Channels { get; private set; }
        public int BitsPerSample { get; private set; }
        public bool IsFloat { get; private set; }
        public int Frames { get; private set; }
        /// <summary>The first smpl loop (the file's inclusive end turned into a length), or null.</summary>
        public LoopPoints Loop { get; private set; }
        /// <summary>Cue markers in file order, labelled.</summary>
        public List<Marker> Markers { get; private set; }
        /// <summary>LIST/INFO tags by four-character id (INAM, ICMT, ISFT...).</summary>
        public Dictionary<string, string> Info { get; private set; }

        byte[] _bytes;
        int _dataOffset, _dataLength;

        public static WavFile Read(string path) { return Parse(File.ReadAllBytes(path)); }

        /// <summary>Parses a whole WAV file held in memory; throws InvalidDataException naming what is wrong.</summary>
        public static WavFile Parse(byte[] bytes)
        {
            if (bytes.Length < 12 || Ascii(bytes, 0) != "RIFF" || Ascii(bytes, 8) != "WAVE")
                throw new InvalidDataException("not a RIFF WAVE file");
            var wav = new WavFile { _bytes = bytes, Markers = new List<Marker>(), Info = new Dictionary<string, string>(), _dataOffset = -1 };
            var cues = new List<KeyValuePair<uint, uint>>();
            var labels = new Dictionary<uint, string>();
            var lengths = new Dictionary<uint, uint>();
            var formatSeen = false;
            var pos = 12;
            while (pos + 8 <= bytes.Length)
            {
                var id = Ascii(bytes, pos);
                var size = (long)BitConverter.ToUInt32(bytes, pos + 4);
                var body = pos + 8;
                // Streaming writers leave sizes at 0 or 0xFFFFFFFF: clamp to what the file holds.
                var length = (int)Math.Min(size, bytes.Length - body);
                if (id == "fmt " && length >= 16)
                {
                    wav.ReadFormat(bytes, body, length);
                    formatSeen = true;
                }
                else if (id == "data")
                {
                    wav._dataOffset = body;
                    wav._dataLength = length;
                }
                else if (id == "smpl" && length >= 36 + 24 && U32(bytes, body + 28) >= 1)
                {
                    var start = U32(bytes, body + 36 + 8);
                    var end = U32(bytes, body + 36 + 12); // inclusive: the last frame played
                    if (end >= start) wav.Loop = new LoopPoints { StartFrame = start, LengthFrames = end - start + 1 };
                }
                else if (id == "cue " && length >= 4)
                {
                    var count = U32(bytes, body);
                    for (var i = 0; i < count && 4 + 24 * (i + 1) <= length; i++)
                    {
                        var at = body + 4 + 24 * i;
                        cues.Add(new KeyValuePair<uint, uint>(U32(bytes, at), U32(bytes, at + 20))); // dwName, dwSampleOffset
                    }
                }
                else if (id == "LIST" && length >= 4)
                {
                    ReadList(bytes, body, length, labels, lengths, wav.Info);
                }
                pos = body + length + (length & 1);
            }
            if (!formatSeen) throw new InvalidDataException("WAV has no fmt chunk");
            if (wav._dataOffset < 0) throw new InvalidDataException("WAV has no data chunk");
            var blockAlign = wav.Channels * (wav.BitsPerSample / 8);
            wav.Frames = blockAlign > 0 ? wav._dataLength / blockAlign : 0;
            foreach (var cue in cues)
            {
                string label;
                uint span;
                labels.TryGetValue(cue.Key, out label);
                lengths.TryGetValue(cue.Key, out span);
                wav.Markers.Add(new Marker { Frame = cue.Value, Label = label ?? "", LengthFrames = span });
            }
            return wav;
        }

        void ReadFormat(byte[] bytes, int at, int length)
        {
            var tag = BitConverter.ToUInt16(bytes, at);
            Channels = BitConverter.ToUInt16(bytes, at + 2);
            SampleRate = (int)U32(bytes, at + 4);
            BitsPerSample = BitConverter.ToUInt16(bytes, at + 14);
            if (tag == FormatExtensible && length >= 40)
            {
                tag = BitConverter.ToUInt16(bytes, at + 24); // the sub-format GUID starts with the format tag
            }
            if (tag != FormatPcm && tag != FormatFloat)
                throw new InvalidDataException("WAV format tag " + tag + " is neither PCM (1) nor IEEE float (3)");
            IsFloat = tag == FormatFloat;
            if (Channels < 1) throw new InvalidDataException("WAV has " + Channels + " channels");
            if (IsFloat ? BitsPerSample != 32 : (BitsPerSample != 8 && BitsPerSample != 16 && BitsPerSample != 24 && BitsPerSample != 32))
                throw new InvalidDataException("WAV sample width " + BitsPerSample + " bits is not supported");
        }

        static void ReadList(byte[] bytes, int at, int length, Dictionary<uint, string> labels,
            Dictionary<uint, uint> lengths, Dictionary<string, string> info)
        {
            var kind = Ascii(bytes, at);
            var pos = at + 4;
            var end = at + length;
            while (pos + 8 <= end)
            {
                var id = Ascii(bytes, pos);
                var size = (int)Math.Min(U32(bytes, pos + 4), (uint)(end - pos - 8));
                var body = pos + 8;
                if (kind == "adtl" && (id == "labl" || id == "note") && size >= 4)
                {
                    var cue = U32(bytes, body);
                    if (id == "labl" || !labels.ContainsKey(cue)) labels[cue] = CString(bytes, body + 4, size - 4);
                }
                else if (kind == "adtl" && id == "ltxt" && size >= 8)
                {
                    lengths[U32(bytes, body)] = U32(bytes, body + 4);
                }
                else if (kind == "INFO")
                {
                    info[id] = CString(bytes, body, size);
                }
                pos = body + size + (size & 1);
            }
        }

        /// <summary>Every sample as an interleaved float in [-1, 1] (frames x channels).</summary>
        public float[] Samples()
        {
            var count = Frames * Channels;
            var result = new float[count];
            var width = BitsPerSample / 8;
            var at = _dataOffset;
            for (var i = 0; i < count; i++, at += width)
            {
                switch (width)
                {
                    case 1: result[i] = (_bytes[at] - 128) / 128f; break;
                    case 2: result[i] = BitConverter.ToInt16(_bytes, at) / 32768f; break;
                    case 3: result[i] = ((_bytes[at] << 8 | _bytes[at + 1] << 16 | _bytes[at + 2] << 24) >> 8) / 8388608f; break;
                    default:
                        result[i] = IsFloat ? BitConverter.ToSingle(_bytes, at) : BitConverter.ToInt32(_bytes, at) / 2147483648f;
                        break;
                }
            }
            return result;
        }

        static uint U32(byte[] bytes, int at) { return BitConverter.ToUInt32(bytes, at); }
        static string Ascii(byte[] bytes, int at) { return Encoding.ASCII.GetString(bytes, at, 4); }

        static string CString(byte[] bytes, int at, int length)
        {
            var end = at;
            while (end < at + length && bytes[end] != 0) end++;
            return Encoding.UTF8.GetString(bytes, at, end - at);
        }
    }
}
