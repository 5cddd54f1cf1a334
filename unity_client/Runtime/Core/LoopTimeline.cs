using System;
using System.Collections.Generic;
using Soundloom.V1;

namespace Soundloom
{
    /// <summary>A marker reached during playback: which one, and when (frames since play started).</summary>
    public struct MarkerHit
    {
        public Marker Marker;
        public long ElapsedFrame;
    }

    /// <summary>
    /// Playback of a file that plays from its start to the loop's end, then repeats the loop region
    /// forever: the mapping from frames played to frames of the file, sample-accurate, and the
    /// marker crossings in any span of play. Unity's AudioSource can only loop a whole clip; the
    /// SoundloomAmbience component feeds a streamed clip from this mapping instead.
    /// </summary>
    public sealed class LoopTimeline
    {
        public LoopTimeline(long frames, LoopPoints loop, IList<Marker> markers)
        {
            if (frames <= 0) throw new ArgumentException("frames must be > 0, got " + frames, "frames");
            Frames = frames;
            if (loop != null && loop.LengthFrames > 0)
            {
                if (loop.StartFrame + (long)loop.LengthFrames > frames)
                    throw new ArgumentException("loop [" + loop.StartFrame + ", +" + loop.LengthFrames + ") runs past the file's " + frames + " frames", "loop");
                LoopStart = loop.StartFrame;
                LoopLength = loop.LengthFrames;
            }
            else
            {
                LoopStart = 0;
                LoopLength = frames; // no loop points: loop the whole file
            }
            Markers = markers ?? new List<Marker>();
        }

        public long Frames { get; private set; }
        public long LoopStart { get; private set; }
        public long LoopLength { get; private set; }
        public long LoopEnd { get { return LoopStart + LoopLength; } }
        public IList<Marker> Markers { get; private set; }

        /// <summary>The file frame heard after <paramref name="elapsed"/> frames of play.</summary>
        public long FileFrameAt(long elapsed)
        {
            if (elapsed < 0) throw new ArgumentOutOfRangeException("elapsed");
            if (elapsed < LoopEnd) return elapsed;
            return LoopStart + (elapsed - LoopStart) % LoopLength;
        }

        /// <summary>
        /// Fills <paramref name="output"/> (interleaved, <paramref name="channels"/> wide) with the
        /// play from <paramref name="elapsed"/> on, reading <paramref name="source"/> (interleaved,
        /// the whole file); returns the elapsed frame after the last one written.
        /// </summary>
        public long Fill(float[] source, int channels, long elapsed, float[] output, int outputOffset, int frameCount)
        {
            var written = 0;
            while (written < frameCount)
            {
                var at = FileFrameAt(elapsed + written);
                var run = (int)Math.Min(frameCount - written, LoopEnd - at);
                Array.Copy(source, at * channels, output, outputOffset + written * channels, run * channels);
                written += run;
            }
            return elapsed + written;
        }

        /// <summary>Markers played in [from, to) elapsed frames, in play order; repeats inside the loop.</summary>
        public List<MarkerHit> MarkersBetween(long from, long to)
        {
            var hits = new List<MarkerHit>();
            if (to <= from) return hits;
            foreach (var marker in Markers)
            {
                long m = marker.Frame;
                if (m >= LoopEnd) continue; // after the loop's end: never heard while looping
                if (m < LoopStart)
                {
                    if (m >= from && m < to) hits.Add(new MarkerHit { Marker = marker, ElapsedFrame = m });
                    continue;
                }
                // Heard at m, m + L, m + 2L, ...: the first occurrence at or after `from`.
                var k = from <= m ? 0 : (from - m + LoopLength - 1) / LoopLength;
                for (var t = m + k * LoopLength; t < to; t += LoopLength)
                    hits.Add(new MarkerHit { Marker = marker, ElapsedFrame = t });
            }
            hits.Sort((a, b) => a.ElapsedFrame.CompareTo(b.ElapsedFrame));
            return hits;
        }
    }
}
