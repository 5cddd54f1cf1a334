using System.IO;
using System.Text;

namespace Soundloom.Tests
{
    /// <summary>A small 16-bit PCM WAV with an smpl loop and labelled cue points, built in memory.</summary>
    public static class TestWav
    {
        public static byte[] Build(int sampleRate, int channels, short[] samples, uint loopStart, uint loopLength, params (uint frame, string label)[] markers)
        {
            var body = new MemoryStream();
            var w = new BinaryWriter(body);
            Chunk(w, "fmt ", b => { b.Write((ushort)1); b.Write((ushort)channels); b.Write(sampleRate); b.Write(sampleRate * channels * 2); b.Write((ushort)(channels * 2)); b.Write((ushort)16); });
            if (loopLength > 0)
                Chunk(w, "smpl", b => { for (var i = 0; i < 7; i++) b.Write(0); b.Write(1); b.Write(0); b.Write(0); b.Write(0); b.Write(loopStart); b.Write(loopStart + loopLength - 1); b.Write(0); b.Write(0); });
            if (markers.Length > 0)
            {
                Chunk(w, "cue ", b =>
                {
                    b.Write(markers.Length);
                    for (var i = 0; i < markers.Length; i++) { b.Write(i + 1); b.Write(markers[i].frame); b.Write(Encoding.ASCII.GetBytes("data")); b.Write(0); b.Write(0); b.Write(markers[i].frame); }
                });
                Chunk(w, "LIST", b =>
                {
                    b.Write(Encoding.ASCII.GetBytes("adtl"));
                    for (var i = 0; i < markers.Length; i++)
                    {
                        var id = i + 1;
                        var label = markers[i].label;
                        Chunk(b, "labl", l => { l.Write(id); l.Write(Encoding.UTF8.GetBytes(label + "\0")); });
                    }
                });
            }
            Chunk(w, "data", b => { foreach (var s in samples) b.Write(s); });
            var chunks = body.ToArray();
            var file = new MemoryStream();
            var f = new BinaryWriter(file);
            f.Write(Encoding.ASCII.GetBytes("RIFF")); f.Write(4 + chunks.Length); f.Write(Encoding.ASCII.GetBytes("WAVE")); f.Write(chunks);
            return file.ToArray();
        }

        static void Chunk(BinaryWriter w, string id, System.Action<BinaryWriter> write)
        {
            var inner = new MemoryStream();
            write(new BinaryWriter(inner));
            var bytes = inner.ToArray();
            w.Write(Encoding.ASCII.GetBytes(id)); w.Write(bytes.Length); w.Write(bytes);
            if ((bytes.Length & 1) == 1) w.Write((byte)0);
        }
    }
}
