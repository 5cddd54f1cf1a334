// Unity Test Framework, Edit Mode: the Runtime and Editor layers inside a real editor.
// (These compile and run only in Unity; CI here runs the core's tests in Tests/Core with Mono.)
using System.IO;
using System.Linq;
using NUnit.Framework;
using Soundloom.Editor;
using Soundloom.Unity;
using UnityEditor;
using UnityEngine;

namespace Soundloom.Tests
{
    public class EditorLayerTests
    {
        const string Folder = "Assets/SoundloomTestTmp";

        [TearDown]
        public void Clean() { AssetDatabase.DeleteAsset(Folder); }

        static short[] Ramp(int count) { return Enumerable.Range(0, count).Select(i => (short)(i * 100 - 20000)).ToArray(); }

        [Test]
        public void ClipFromWavHoldsTheFileSamples()
        {
            var wav = WavFile.Parse(TestWav.Build(48000, 2, Ramp(400), 50, 100, (10u, "door-1")));
            var clip = SoundloomUnity.ClipFromWav("ramp", wav);
            Assert.That(clip.samples, Is.EqualTo(200));
            Assert.That(clip.channels, Is.EqualTo(2));
            Assert.That(clip.frequency, Is.EqualTo(48000));
            var data = new float[400];
            clip.GetData(data, 0);
            Assert.That(data, Is.EqualTo(wav.Samples()).Within(1e-4f));
            Object.DestroyImmediate(clip);
        }

        [Test]
        public void ImportProfileReachesTheAudioImporter()
        {
            Directory.CreateDirectory(Folder);
            var path = Folder + "/bed.wav";
            File.WriteAllBytes(path, TestWav.Build(48000, 1, Ramp(4800), 0, 4800));
            AssetDatabase.ImportAsset(path);
            SoundloomImport.Apply(path, ImportProfile.For(true, 30));
            var importer = (AudioImporter)AssetImporter.GetAtPath(path);
            Assert.That(importer.defaultSampleSettings.loadType, Is.EqualTo(AudioClipLoadType.Streaming));
            Assert.That(importer.defaultSampleSettings.compressionFormat, Is.EqualTo(AudioCompressionFormat.Vorbis));
            Assert.That(AssetDatabase.GetLabels(AssetDatabase.LoadMainAssetAtPath(path)), Has.Member(SoundloomImport.Label));

            SoundloomImport.Apply(path, ImportProfile.For(false, 0.5));
            importer = (AudioImporter)AssetImporter.GetAtPath(path);
            Assert.That(importer.defaultSampleSettings.loadType, Is.EqualTo(AudioClipLoadType.DecompressOnLoad));
        }

        [Test]
        public void BankAssetPicksVariationsWithTheirMarkers()
        {
            var json = "{\"bank\": \"mini\", \"complete\": true, \"entries\": [{\"name\": \"door_slam\", \"kind\": \"sfx\", \"loop\": false, \"variations\": ["
                + "{\"file\": \"door_slam_01.wav\", \"sample_rate\": 48000, \"channels\": 1, \"frames\": 100, \"markers\": [{\"frame\": 5, \"label\": \"door-1\"}]},"
                + "{\"file\": \"door_slam_02.wav\", \"sample_rate\": 48000, \"channels\": 1, \"frames\": 100, \"markers\": []}]}]}";
            var bank = ScriptableObject.CreateInstance<SoundloomBank>();
            bank.bankJson = new TextAsset(json);
            bank.clips = new[] { "door_slam_01", "door_slam_02" }.Select(n => AudioClip.Create(n, 100, 1, 48000, false)).ToList();
            bank.Seed(3);
            var picks = Enumerable.Range(0, 10).Select(_ => bank.Pick("door_slam").Clip.name).ToList();
            for (var i = 1; i < picks.Count; i++) Assert.That(picks[i], Is.Not.EqualTo(picks[i - 1]), "no variation twice in a row");
            var first = Enumerable.Range(0, 2).Select(_ => bank.Pick("door_slam")).First(c => c.Clip.name == "door_slam_01");
            Assert.That(first.Markers.Single().Frame, Is.EqualTo(5u));
            Assert.Throws<System.Collections.Generic.KeyNotFoundException>(() => bank.Pick("nope"));
        }

        [Test]
        public void TokenStaysOutOfTheProjectSettingsFile()
        {
            var settings = SoundloomSettings.Instance;
            var before = settings.Token;
            try
            {
                settings.Token = "secret-token-for-test";
                settings.Save();
                Assert.That(File.ReadAllText("ProjectSettings/SoundloomSettings.json"), Does.Not.Contain("secret-token-for-test"));
            }
            finally { settings.Token = before; }
        }

        [Test]
        public void WindowOpensUnderWindowAudio()
        {
            Assert.That(EditorApplication.ExecuteMenuItem("Window/Audio/Soundloom"), Is.True);
            var window = EditorWindow.GetWindow<SoundloomWindow>();
            Assert.That(window.titleContent.text, Is.EqualTo("Soundloom"));
            window.Close();
        }
    }
}
