using System;
using System.Collections.Generic;
using Soundloom.V1;
using UnityEngine;
using UnityEngine.Events;

namespace Soundloom.Unity
{
    /// <summary>A marker reached during playback, raised on the main thread.</summary>
    [Serializable]
    public sealed class MarkerEvent : UnityEvent<string, double> { }

    /// <summary>
    /// Plays a bed from its start to its loop end, then repeats the loop region forever,
    /// sample-accurately (AudioSource.loop can only loop a whole clip). The samples are fed to a
    /// streamed AudioClip by <see cref="LoopTimeline"/> in Unity's PCM reader callback, so the loop
    /// seam is exact to the sample. Markers (cue points: event starts, segment boundaries) are
    /// raised as <see cref="onMarker"/> (label, DSP time it plays) from Update, when the audio
    /// clock passes them; gameplay can schedule against the DSP time.
    /// </summary>
    [RequireComponent(typeof(AudioSource))]
    [AddComponentMenu("Audio/Soundloom Ambience")]
    public sealed class SoundloomAmbience : MonoBehaviour
    {
        [Tooltip("The bed. Needs readable samples: Load Type Decompress On Load (or a clip made by SoundloomUnity).")]
        public AudioClip clip;
        [Tooltip("First frame of the loop region (from the file's smpl chunk, bank.json or AssetInfo.loop).")]
        public long loopStartFrame;
        [Tooltip("Loop length in frames; 0 loops the whole clip.")]
        public long loopLengthFrames;
        [Tooltip("Markers (label and frame), e.g. from SoundloomBank or AssetInfo.markers.")]
        public List<SoundloomMarker> markers = new List<SoundloomMarker>();
        public bool playOnStart = true;
        public MarkerEvent onMarker = new MarkerEvent();

        /// <summary>The same markers as a C# event: (label, DSP time it plays).</summary>
        public event Action<string, double> MarkerReached;

        AudioSource _source;
        LoopTimeline _timeline;
        float[] _samples;
        int _channels;
        long _fed;            // frames handed to Unity so far (audio thread)
        double _startDsp;     // DSP time of elapsed frame 0
        long _raisedUpTo;     // elapsed frames whose markers were raised
        bool _playing;

        /// <summary>Set the clip, loop and markers from a generated asset.</summary>
        public void Use(SoundloomClip soundloomClip)
        {
            clip = soundloomClip.Clip;
            loopStartFrame = soundloomClip.Loop != null ? soundloomClip.Loop.StartFrame : 0;
            loopLengthFrames = soundloomClip.Loop != null ? soundloomClip.Loop.LengthFrames : 0;
            markers = new List<SoundloomMarker>();
            foreach (var m in soundloomClip.Markers) markers.Add(new SoundloomMarker { label = m.Label, frame = m.Frame, lengthFrames = m.LengthFrames });
        }

        void Awake() { _source = GetComponent<AudioSource>(); }

        void Start() { if (playOnStart && clip != null) Play(); }

        /// <summary>Starts (or restarts) playback from the file's first frame.</summary>
        public void Play()
        {
            if (clip == null) throw new InvalidOperationException("SoundloomAmbience on " + name + " has no clip");
            Stop();
            _channels = clip.channels;
            _samples = new float[clip.samples * _channels];
            if (!clip.GetData(_samples, 0))
                throw new InvalidOperationException(clip.name + ": samples are not readable; import it with Load Type Decompress On Load");
            var loop = loopLengthFrames > 0 ? new LoopPoints { StartFrame = (uint)loopStartFrame, LengthFrames = (uint)loopLengthFrames } : null;
            var list = new List<Marker>();
            foreach (var m in markers) list.Add(new Marker { Frame = (uint)m.frame, Label = m.label, LengthFrames = (uint)m.lengthFrames });
            _timeline = new LoopTimeline(clip.samples, loop, list);
            _fed = 0;
            _raisedUpTo = 0;
            // A streamed clip whose reader follows the timeline; its own length only sizes Unity's buffers.
            var streamed = AudioClip.Create(clip.name + " (loop)", clip.frequency * 2, _channels, clip.frequency, true, OnRead, OnSetPosition);
            _source.clip = streamed;
            _source.loop = true;
            _startDsp = AudioSettings.dspTime + 0.1;
            _source.PlayScheduled(_startDsp);
            _playing = true;
        }

        public void Stop()
        {
            _playing = false;
            if (_source != null && _source.isPlaying) _source.Stop();
        }

        /// <summary>The file frame playing now (for UI and tests).</summary>
        public long CurrentFileFrame
        {
            get { return _timeline == null ? 0 : _timeline.FileFrameAt(Math.Max(0, ElapsedFrames())); }
        }

        long ElapsedFrames() { return (long)Math.Floor((AudioSettings.dspTime - _startDsp) * clip.frequency); }

        void OnRead(float[] data)
        {
            var frames = data.Length / _channels;
            _fed = _timeline.Fill(_samples, _channels, _fed, data, 0, frames);
        }

        void OnSetPosition(int position) { } // the timeline, not Unity's position, says what plays next

        void Update()
        {
            if (!_playing || _timeline == null) return;
            var now = ElapsedFrames();
            if (now <= _raisedUpTo) return;
            foreach (var hit in _timeline.MarkersBetween(_raisedUpTo, now + 1))
            {
                var at = _startDsp + hit.ElapsedFrame / (double)clip.frequency;
                onMarker.Invoke(hit.Marker.Label, at);
                if (MarkerReached != null) MarkerReached(hit.Marker.Label, at);
            }
            _raisedUpTo = now + 1;
        }

        void OnDisable() { Stop(); }
    }

    /// <summary>A marker as Unity serialises it.</summary>
    [Serializable]
    public sealed class SoundloomMarker
    {
        public string label;
        public long frame;
        public long lengthFrames;
    }
}
