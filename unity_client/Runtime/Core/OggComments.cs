using System;
using System.Collections.Generic;
using System.IO;
using System.Text;
using Soundloom.V1;

namespace Soundloom
{
    /// <summary>
    /// The Vorbis comments of an Ogg Vorbis file (its second header packet), and the loop they
    /// carry: LOOPSTART / LOOPLENGTH in samples, as the server writes them.
    /// </summary>
    public static class OggComments
    {
        /// <summary>Comments by upper-case key (the last value wins); throws InvalidDataException for a non-Vorbis file.</summary>
        public static Dictionary<string, string> Read(byte[] bytes)
        {
            var packet = SecondPacket(bytes);
            if (packet.Length < 7 || packet[0] != 3 || Encoding.ASCII.GetString(packet, 1, 6) != "vorbis")
                throw new InvalidDataException("second Ogg packet is not a Vorbis comment header");
            var pos = 7;
            var vendor = (int)BitConverter.ToUInt32(packet, pos);
            pos += 4 + vendor;
            var count = BitConverter.ToUInt32(packet, pos);
            pos += 4;
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            for (var i = 0; i < count && pos + 4 <= packet.Length; i++)
            {
                var length = (int)BitConverter.ToUInt32(packet, pos);
                pos += 4;
                if (length < 0 || pos + length > packet.Length) break;
                var text = Encoding.UTF8.GetString(packet, pos, length);
                pos += length;
                var equals = text.IndexOf('=');
                if (equals > 0) result[text.Substring(0, equals).ToUpperInvariant()] = text.Substring(equals + 1);
            }
            return result;
        }

        /// <summary>The LOOPSTART/LOOPLENGTH loop, or null when the file has none.</summary>
        public static LoopPoints Loop(byte[] bytes)
        {
            var comments = Read(bytes);
            string start, length;
            uint s, l;
            if (comments.TryGetValue("LOOPSTART", out start) && comments.TryGetValue("LOOPLENGTH", out length)
                && uint.TryParse(start, out s) && uint.TryParse(length, out l) && l > 0)
                return new LoopPoints { StartFrame = s, LengthFrames = l };
            return null;
        }

        /// <summary>The second packet of the first logical stream, joined across pages.</summary>
        static byte[] SecondPacket(byte[] bytes)
        {
            var packets = new List<byte[]>();
            var current = new MemoryStream();
            var pos = 0;
            int serial = -1;
            while (pos + 27 <= bytes.Length && packets.Count < 2)
            {
                if (Encoding.ASCII.GetString(bytes, pos, 4) != "OggS") throw new InvalidDataException("not an Ogg stream at byte " + pos);
                var pageSerial = BitConverter.ToInt32(bytes, pos + 14);
                var segments = bytes[pos + 26];
                var table = pos + 27;
                var data = table + segments;
                if (serial == -1) serial = pageSerial;
                for (var i = 0; i < segments; i++)
                {
                    var lace = bytes[table + i];
                    if (pageSerial == serial)
                    {
                        if (data + lace > bytes.Length) throw new InvalidDataException("Ogg page runs past the end of the file");
                        current.Write(bytes, data, lace);
                        if (lace < 255)
                        {
                            packets.Add(current.ToArray());
                            current = new MemoryStream();
                            if (packets.Count == 2) break;
                        }
                    }
                    data += lace;
                }
                pos = data;
            }
            if (packets.Count < 2) throw new InvalidDataException("Ogg stream ends before its comment header");
            return packets[1];
        }
    }
}
