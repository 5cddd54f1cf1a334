// bank.json written by `soundloom bank build` (the CI script builds a small bank on the real server).
using System.IO;
using System.Linq;
using NUnit.Framework;
using Soundloom.V1;

namespace Soundloom.Tests
{
    [TestFixture]
    public class BankTests
    {
        [Test]
        public void BankJsonIsReadAndItsFilesMatch()
        {
            var bank = BankIndex.Load(TestEnv.Require("SOUNDLOOM_TEST_BANK"));
            Assert.That(bank.Name, Is.EqualTo("mini"));
            Assert.That(bank.Complete, Is.True);
            Assert.That(bank.Failed, Is.Empty);
            Assert.That(bank.Verify(), Is.Empty);
            var rain = bank.Entry("rain_on_tin");
            Assert.That(rain.Kind, Is.EqualTo("ambience"));
            Assert.That(rain.Loop, Is.True);
            var bed = rain.Variations.Single();
            Assert.That(bed.Format, Is.EqualTo("ogg"));
            Assert.That(Hashing.IsSha256Hex(bed.CacheKey), Is.True);
            var loop = OggComments.Loop(File.ReadAllBytes(bank.PathOf(bed)));
            Assert.That(loop.StartFrame, Is.EqualTo(bed.Loop.StartFrame));
            Assert.That(loop.LengthFrames, Is.EqualTo(bed.Loop.LengthFrames));

            var door = bank.Entry("door_slam");
            Assert.That(door.Variations.Select(v => v.File).ToArray(), Is.EqualTo(new[] { "door_slam_01.wav", "door_slam_02.wav" }));
            Assert.That(door.Variations.Select(v => v.Seed).ToArray(), Is.EqualTo(new[] { 100UL, 101UL }));
            foreach (var v in door.Variations)
            {
                Assert.That(v.Loop, Is.Null);
                var wav = WavFile.Read(bank.PathOf(v));
                Assert.That(wav.Frames, Is.EqualTo((int)v.Frames));
                Assert.That(wav.Markers.Select(m => m.Frame + "|" + m.Label).ToArray(),
                    Is.EqualTo(v.Markers.Select(m => m.Frame + "|" + m.Label).ToArray()));
            }
            var random = new System.Random(1);
            for (var i = 0; i < 20; i++) Assert.That(door.PickVariation(random, 0), Is.EqualTo(1));
        }

        [Test]
        public void BrokenBankJsonNamesTheField()
        {
            var error = Assert.Throws<InvalidDataException>(() => BankIndex.Parse("{\"bank\": \"b\", \"entries\": [{\"name\": \"x\", \"variations\": [{\"file\": \"../up.wav\", \"sample_rate\": 48000, \"channels\": 2}]}]}"));
            StringAssert.Contains("entries[0].variations[0].file", error.Message);
            Assert.Throws<InvalidDataException>(() => BankIndex.Parse("{\"entries\": []}"));
            Assert.Throws<InvalidDataException>(() => BankIndex.Parse("not json"));
        }
    }
}
