// Unity Test Framework, Play Mode: the ambience component on the real audio clock, and the
// UnityWebRequest transport against a server when SOUNDLOOM_TEST_URL names one.
using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Threading.Tasks;
using NUnit.Framework;
using Soundloom.Unity;
using Soundloom.V1;
using UnityEngine;
using UnityEngine.TestTools;

namespace Soundloom.Tests
{
    public class RuntimeLayerTests
    {
        [UnityTest]
        public IEnumerator AmbienceLoopsItsRegionAndRaisesMarkers()
        {
            const int rate = 48000;
            var go = new GameObject("ambience", typeof(AudioSource));
            var clip = AudioClip.Create("bed", rate / 2, 1, rate, false); // 0.5 s
            clip.SetData(Enumerable.Range(0, rate / 2).Select(i => (float)Math.Sin(i * 0.05) * 0.1f).ToArray(), 0);
            var ambience = go.AddComponent<SoundloomAmbience>();
            ambience.playOnStart = false;
            ambience.clip = clip;
            ambience.loopStartFrame = rate / 10;      // loop [0.1 s, 0.3 s): 0.3..0.5 s is never heard
            ambience.loopLengthFrames = rate / 5;
            ambience.markers = new List<SoundloomMarker>
            {
                new SoundloomMarker { label = "intro", frame = rate / 20 },
                new SoundloomMarker { label = "in-loop", frame = rate / 5 },
                new SoundloomMarker { label = "tail", frame = rate * 2 / 5 },
            };
            var heard = new List<string>();
            ambience.MarkerReached += (label, dsp) => heard.Add(label);
            ambience.Play();
            var until = Time.realtimeSinceStartup + 1.2f;
            var frames = new List<long>();
            while (Time.realtimeSinceStartup < until) { frames.Add(ambience.CurrentFileFrame); yield return null; }
            Assert.That(heard.Count(l => l == "intro"), Is.EqualTo(1));
            Assert.That(heard.Count(l => l == "in-loop"), Is.GreaterThanOrEqualTo(3), "0.2 s loop over ~1 s");
            Assert.That(heard, Has.No.Member("tail"));
            Assert.That(frames.Skip(frames.Count / 2).All(f => f >= rate / 10 && f < rate * 3 / 10), Is.True, "after the intro only the loop region plays");
            UnityEngine.Object.Destroy(go);
        }

        [UnityTest]
        public IEnumerator UnityWebRequestTransportGeneratesAClip()
        {
            var url = Environment.GetEnvironmentVariable("SOUNDLOOM_TEST_URL");
            if (string.IsNullOrEmpty(url)) Assert.Ignore("SOUNDLOOM_TEST_URL is not set: start `soundloom serve` and set it to run this test");
            var client = SoundloomUnity.CreateClient(url, Environment.GetEnvironmentVariable("SOUNDLOOM_TEST_TOKEN"),
                o => o.CacheDirectory = System.IO.Path.Combine(Application.temporaryCachePath, "soundloom-test-" + Guid.NewGuid().ToString("N")));
            var generate = client.GenerateAsync("a heavy door slams", 1, new RenderOptions { Format = AudioFormat.Wav, Seed = 3 });
            while (!generate.IsCompleted) yield return null;
            Assert.That(generate.Exception, Is.Null);
            var load = generate.Result.LoadClipAsync();
            while (!load.IsCompleted) yield return null;
            Assert.That(load.Result.Clip.samples, Is.EqualTo((int)generate.Result.Info.Frames));
            Assert.That(load.Result.Markers.Count, Is.EqualTo(generate.Result.Markers.Count));
            client.Dispose();
        }
    }
}
