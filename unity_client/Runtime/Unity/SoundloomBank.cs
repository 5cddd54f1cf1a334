using System;
using System.Collections.Generic;
using UnityEngine;

namespace Soundloom.Unity
{
    /// <summary>
    /// A bank built by <c>soundloom bank build</c>, as a project asset: the bank.json text and the
    /// imported AudioClips of every variation (the editor's "Import Soundloom Bank" fills both).
    /// Ask for a sound by entry name; variations rotate at random without repeating back to back.
    /// </summary>
    [CreateAssetMenu(menuName = "Audio/Soundloom Bank", fileName = "SoundloomBank")]
    public sealed class SoundloomBank : ScriptableObject
    {
        [Tooltip("bank.json as written by `soundloom bank build`.")]
        public TextAsset bankJson;
        [Tooltip("One clip per variation file, matched by file name (without extension) to bank.json.")]
        public List<AudioClip> clips = new List<AudioClip>();

        [NonSerialized] BankIndex _index;
        [NonSerialized] Dictionary<string, AudioClip> _byFile;
        [NonSerialized] readonly Dictionary<string, int> _last = new Dictionary<string, int>();
        [NonSerialized] System.Random _random = new System.Random();

        /// <summary>The parsed bank.json (cached; call <see cref="Reload"/> after changing it).</summary>
        public BankIndex Index
        {
            get
            {
                if (_index == null)
                {
                    if (bankJson == null) throw new InvalidOperationException(name + ": no bank.json assigned");
                    _index = BankIndex.Parse(bankJson.text);
                }
                return _index;
            }
        }

        public void Reload() { _index = null; _byFile = null; }

        /// <summary>Seeds the variation choice (for deterministic tests and replays).</summary>
        public void Seed(int seed) { _random = new System.Random(seed); }

        /// <summary>The clip of one variation of an entry, or null when it is not imported.</summary>
        public AudioClip ClipFor(BankVariation variation)
        {
            if (_byFile == null)
            {
                _byFile = new Dictionary<string, AudioClip>();
                foreach (var clip in clips) if (clip != null) _byFile[clip.name] = clip;
            }
            AudioClip found;
            return _byFile.TryGetValue(System.IO.Path.GetFileNameWithoutExtension(variation.File), out found) ? found : null;
        }

        /// <summary>A variation of the entry (never the same one twice in a row) with its loop and markers.</summary>
        public SoundloomClip Pick(string entryName)
        {
            var entry = Index.Entry(entryName);
            if (entry == null) throw new KeyNotFoundException(name + " has no entry '" + entryName + "'");
            int last;
            var index = entry.PickVariation(_random, _last.TryGetValue(entryName, out last) ? last : -1);
            _last[entryName] = index;
            var variation = entry.Variations[index];
            var clip = ClipFor(variation);
            if (clip == null) throw new InvalidOperationException(name + ": " + variation.File + " is not imported into the bank");
            return new SoundloomClip(clip, variation.LoopPoints(), variation.AsMarkers());
        }

        /// <summary>Plays a variation of a one-shot entry on a source (PlayOneShot).</summary>
        public void PlayOneShot(AudioSource source, string entryName, float volume = 1f)
        {
            source.PlayOneShot(Pick(entryName).Clip, volume);
        }
    }
}
