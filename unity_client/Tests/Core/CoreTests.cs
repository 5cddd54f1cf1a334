// Core pieces that need no server: JSON mapping, errors, Retry-After, the loop timeline, names.
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using Soundloom.V1;

namespace Soundloom.Tests
{
    [TestFixture]
    public class CoreTests
    {
        [Test]
        public void RequestJsonUsesTheProto3Mapping()
        {
            var request = new GenerateSceneRequest
            {
                Scene = new SceneRequest { Description = "rain", DurationS = 5 },
                Options = new RenderOptions { Format = AudioFormat.Wav, Seed = 9223372036854775807UL, Preset = "mobile", TruePeakDb = 0 },
            };
            var json = ProtoJson.Serialize(request);
            StringAssert.Contains("\"seed\":\"9223372036854775807\"", json);
            StringAssert.Contains("\"format\":\"AUDIO_FORMAT_WAV\"", json);
            StringAssert.Contains("\"true_peak_db\":0", json); // optional: zero is sent
            StringAssert.DoesNotContain("target_lufs", json); // the other side of the oneof is absent
            StringAssert.DoesNotContain("\"plan\"", json);
        }

        [Test]
        public void ResponseJsonReadsStringsInfinitiesAndUnknownNames()
        {
            var info = ProtoJson.Deserialize<AssetInfo>(
                "{\"asset_id\": \"x\", \"size_bytes\": \"768402\", \"seed\": \"7\", \"created_unix\": \"1796164117\"," +
                " \"format\": \"AUDIO_FORMAT_FLAC\", \"loudness\": {\"integrated_lufs\": \"-Infinity\", \"true_peak_dbtp\": -1.5}," +
                " \"files\": [{\"name\": \"a\", \"role\": \"FILE_ROLE_FROM_THE_FUTURE\", \"size_bytes\": 12}], \"new_field\": 1}");
            Assert.That(info.SizeBytes, Is.EqualTo(768402UL));
            Assert.That(info.Seed, Is.EqualTo(7UL));
            Assert.That(info.CreatedUnix, Is.EqualTo(1796164117L));
            Assert.That(info.Format, Is.EqualTo(AudioFormat.Flac));
            Assert.That(double.IsNegativeInfinity(info.Loudness.IntegratedLufs), Is.True);
            Assert.That(info.Loudness.TruePeakDbtp, Is.EqualTo(-1.5));
            Assert.That(info.Files[0].Role, Is.EqualTo(FileRole.Unspecified));
            Assert.That(info.Files[0].SizeBytes, Is.EqualTo(12UL));
        }

        [Test]
        public void ErrorsAreTypedAndNameTheirField()
        {
            var error = SoundloomException.For("INVALID_ARGUMENT", 400, "events[3].duration_s must be > 0.0, got -1");
            Assert.That(error, Is.InstanceOf<InvalidArgumentException>());
            Assert.That(error.Field, Is.EqualTo("events[3].duration_s"));
            Assert.That(SoundloomException.For("RESOURCE_EXHAUSTED", 429, "queue full"), Is.InstanceOf<ResourceExhaustedException>());
            Assert.That(SoundloomException.For("UNAVAILABLE", 503, "draining"), Is.InstanceOf<UnavailableException>());
            Assert.That(SoundloomException.For("NOT_FOUND", 404, "asset x"), Is.InstanceOf<NotFoundException>());
            Assert.That(SoundloomException.For("DEADLINE_EXCEEDED", 504, "late"), Is.InstanceOf<DeadlineExceededException>());
            Assert.That(SoundloomException.StatusForHttp(429), Is.EqualTo("RESOURCE_EXHAUSTED"));
        }

        [Test]
        public void RetryAfterReadsSecondsAndDates()
        {
            Assert.That(Gateway.ParseRetryAfter("1"), Is.EqualTo(1.0));
            Assert.That(Gateway.ParseRetryAfter(" 2.5 "), Is.EqualTo(2.5));
            Assert.That(Gateway.ParseRetryAfter(null), Is.Null);
            Assert.That(Gateway.ParseRetryAfter("soon"), Is.Null);
            var date = DateTime.UtcNow.AddSeconds(30).ToString("r");
            Assert.That(Gateway.ParseRetryAfter(date).Value, Is.InRange(25.0, 31.0));
        }

        /// <summary>A transport that answers from a script: 429 + Retry-After, then 200.</summary>
        sealed class ScriptedTransport : ITransport
        {
            public readonly Queue<TransportResponse> Answers = new Queue<TransportResponse>();
            public readonly List<DateTime> Times = new List<DateTime>();

            public Task<TransportResponse> SendAsync(TransportRequest request, CancellationToken cancellation)
            {
                Times.Add(DateTime.UtcNow);
                return Task.FromResult(Answers.Dequeue());
            }

            public void Dispose() { }
        }

        static TransportResponse Answer(int status, string body, string retryAfter = null)
        {
            var headers = new Dictionary<string, string>();
            if (retryAfter != null) headers["Retry-After"] = retryAfter;
            return new TransportResponse(status, headers, new MemoryStream(Encoding.UTF8.GetBytes(body)));
        }

        [Test]
        public void BackoffWaitsAtLeastRetryAfter()
        {
            var transport = new ScriptedTransport();
            transport.Answers.Enqueue(Answer(429, "{\"error\": {\"code\": 8, \"status\": \"RESOURCE_EXHAUSTED\", \"message\": \"queue full\"}}", "1"));
            transport.Answers.Enqueue(Answer(200, "{\"backends\": [{\"name\": \"rules\", \"kind\": \"BACKEND_KIND_PLANNER\"}]}"));
            var options = new ClientOptions("http://127.0.0.1:1") { InitialBackoff = TimeSpan.FromMilliseconds(10) };
            var gateway = new Gateway(options, transport);
            var result = TestEnv.Run(() => gateway.BackendsAsync(CancellationToken.None));
            Assert.That(result.Backends[0].Kind, Is.EqualTo(BackendKind.Planner));
            Assert.That((transport.Times[1] - transport.Times[0]).TotalSeconds, Is.GreaterThanOrEqualTo(0.95));
        }

        [Test]
        public void RetryThatWouldPassTheDeadlineFailsAtOnce()
        {
            var transport = new ScriptedTransport();
            transport.Answers.Enqueue(Answer(429, "{\"error\": {\"status\": \"RESOURCE_EXHAUSTED\", \"message\": \"queue full\"}}", "120"));
            var options = new ClientOptions("http://127.0.0.1:1") { Timeout = TimeSpan.FromSeconds(5) };
            var error = Assert.Throws<ResourceExhaustedException>(() =>
                TestEnv.Run(() => new Gateway(options, transport).BackendsAsync(CancellationToken.None)));
            Assert.That(error.RetryAfterS, Is.EqualTo(120.0));
            Assert.That(transport.Times.Count, Is.EqualTo(1));
        }

        [Test]
        public void AServerWithoutTheStreamRouteGetsPlainGenerate()
        {
            var transport = new ScriptedTransport();
            transport.Answers.Enqueue(Answer(404, "{\"error\": {\"status\": \"NOT_FOUND\", \"message\": \"path has no route here: see /v1/plan\"}}"));
            transport.Answers.Enqueue(Answer(200, "{\"asset_id\": \"" + new string('b', 64) + "\", \"asset\": {\"asset_id\": \"" + new string('b', 64) + "\"}, \"done\": {\"cache_hit\": true}}"));
            var gateway = new Gateway(new ClientOptions("http://127.0.0.1:1"), transport);
            var result = TestEnv.Run(() => gateway.GenerateStreamAsync(new GenerateSceneRequest(), null, CancellationToken.None));
            Assert.That(result.Done.CacheHit, Is.True);
            Assert.That(transport.Times.Count, Is.EqualTo(2));
        }

        [Test]
        public void AnErrorLineInTheStreamIsTyped()
        {
            var transport = new ScriptedTransport();
            transport.Answers.Enqueue(Answer(200, "{\"accepted\": {\"asset_id\": \"x\"}}\n{\"progress\": {\"stage\": \"STAGE_RENDER\", \"fraction\": 0.5}}\n{\"error\": {\"code\": 4, \"status\": \"DEADLINE_EXCEEDED\", \"message\": \"deadline exceeded\"}}\n"));
            var seen = new List<Progress>();
            var gateway = new Gateway(new ClientOptions("http://127.0.0.1:1"), transport);
            Assert.Throws<DeadlineExceededException>(() => TestEnv.Run(() => gateway.GenerateStreamAsync(new GenerateSceneRequest(), seen.Add, CancellationToken.None)));
            Assert.That(seen.Single().Stage, Is.EqualTo(Stage.Render));
            Assert.That(transport.Times.Count, Is.EqualTo(1), "a deadline is not retried");
        }

        [Test]
        public void Status413IsNotRetried()
        {
            var transport = new ScriptedTransport();
            transport.Answers.Enqueue(Answer(413, "{\"error\": {\"status\": \"RESOURCE_EXHAUSTED\", \"message\": \"max_render_bytes: the plan needs 9 GB\"}}"));
            var options = new ClientOptions("http://127.0.0.1:1");
            var error = Assert.Throws<ResourceExhaustedException>(() =>
                TestEnv.Run(() => new Gateway(options, transport).BackendsAsync(CancellationToken.None)));
            Assert.That(error.HttpStatus, Is.EqualTo(413));
            Assert.That(transport.Times.Count, Is.EqualTo(1));
        }

        [Test]
        public void LoopTimelinePlaysIntroThenLoopsTheRegion()
        {
            var loop = new LoopPoints { StartFrame = 4, LengthFrames = 3 }; // frames 4,5,6 repeat; 7..9 never heard
            var timeline = new LoopTimeline(10, loop, new List<Marker>
            {
                new Marker { Frame = 1, Label = "intro" },
                new Marker { Frame = 5, Label = "in-loop" },
                new Marker { Frame = 8, Label = "tail" },
            });
            var heard = Enumerable.Range(0, 14).Select(i => timeline.FileFrameAt(i)).ToArray();
            Assert.That(heard, Is.EqualTo(new long[] { 0, 1, 2, 3, 4, 5, 6, 4, 5, 6, 4, 5, 6, 4 }));

            var source = Enumerable.Range(0, 20).Select(i => (float)i).ToArray(); // 10 frames x 2 channels
            var output = new float[2 * 6];
            var next = timeline.Fill(source, 2, 3, output, 0, 6);
            Assert.That(next, Is.EqualTo(9L));
            Assert.That(output, Is.EqualTo(new float[] { 6, 7, 8, 9, 10, 11, 12, 13, 8, 9, 10, 11 }));

            var hits = timeline.MarkersBetween(0, 12);
            Assert.That(hits.Select(h => h.Marker.Label + "@" + h.ElapsedFrame).ToArray(),
                Is.EqualTo(new[] { "intro@1", "in-loop@5", "in-loop@8", "in-loop@11" }));
            Assert.That(timeline.MarkersBetween(6, 8).Count, Is.EqualTo(0));
            Assert.That(timeline.MarkersBetween(8, 9).Single().ElapsedFrame, Is.EqualTo(8L));
        }

        [Test]
        public void LoopTimelineRefusesALoopPastTheEnd()
        {
            Assert.Throws<ArgumentException>(() => new LoopTimeline(10, new LoopPoints { StartFrame = 8, LengthFrames = 3 }, null));
            var whole = new LoopTimeline(10, null, null);
            Assert.That(whole.FileFrameAt(10), Is.EqualTo(0L));
        }

        [Test]
        public void WavReaderReadsA24BitFileWithLoopAndLabels()
        {
            var bytes = SyntheticWav();
            var wav = WavFile.Parse(bytes);
            Assert.That(wav.SampleRate, Is.EqualTo(22050));
            Assert.That(wav.Channels, Is.EqualTo(1));
            Assert.That(wav.BitsPerSample, Is.EqualTo(24));
            Assert.That(wav.Frames, Is.EqualTo(4));
            Assert.That(wav.Loop.StartFrame, Is.EqualTo(1u));
            Assert.That(wav.Loop.LengthFrames, Is.EqualTo(3u));
            Assert.That(wav.Markers.Single().Label, Is.EqualTo("door-1"));
            Assert.That(wav.Markers.Single().Frame, Is.EqualTo(2u));
            Assert.That(wav.Markers.Single().LengthFrames, Is.EqualTo(2u));
            var samples = wav.Samples();
            Assert.That(samples[0], Is.EqualTo(0f));
            Assert.That(samples[1], Is.EqualTo(0.5f).Within(1e-6));
            Assert.That(samples[2], Is.EqualTo(-1f));
            Assert.Throws<InvalidDataException>(() => WavFile.Parse(Encoding.ASCII.GetBytes("RIFF0000WAVEjunk")));
        }

        static byte[] SyntheticWav()
        {
            var chunks = new MemoryStream();
            var w = new BinaryWriter(chunks);
            Chunk(w, "fmt ", b => { b.Write((ushort)1); b.Write((ushort)1); b.Write(22050); b.Write(22050 * 3); b.Write((ushort)3); b.Write((ushort)24); });
            Chunk(w, "smpl", b =>
            {
                for (var i = 0; i < 7; i++) b.Write(0);
                b.Write(1); b.Write(0); // one loop, no sampler data
                b.Write(0); b.Write(0); b.Write(1); b.Write(3); b.Write(0); b.Write(0); // id, type, start, end (inclusive)
            });
            Chunk(w, "cue ", b => { b.Write(1); b.Write(1); b.Write(2); b.Write(Encoding.ASCII.GetBytes("data")); b.Write(0); b.Write(0); b.Write(2); });
            Chunk(w, "LIST", b =>
            {
                b.Write(Encoding.ASCII.GetBytes("adtl"));
                Chunk(b, "labl", l => { l.Write(1); l.Write(Encoding.UTF8.GetBytes("door-1\0")); });
                Chunk(b, "ltxt", l => { l.Write(1); l.Write(2); l.Write(Encoding.ASCII.GetBytes("rgn ")); l.Write(0); l.Write(0); });
            });
            Chunk(w, "data", b => b.Write(new byte[] { 0, 0, 0, 0, 0, 0x40, 0, 0, 0x80, 0xff, 0xff, 0x7f }));
            var body = chunks.ToArray();
            var file = new MemoryStream();
            var f = new BinaryWriter(file);
            f.Write(Encoding.ASCII.GetBytes("RIFF")); f.Write(4 + body.Length); f.Write(Encoding.ASCII.GetBytes("WAVE")); f.Write(body);
            return file.ToArray();
        }

        static void Chunk(BinaryWriter w, string id, Action<BinaryWriter> body)
        {
            var inner = new MemoryStream();
            body(new BinaryWriter(inner));
            var bytes = inner.ToArray();
            w.Write(Encoding.ASCII.GetBytes(id));
            w.Write(bytes.Length);
            w.Write(bytes);
            if ((bytes.Length & 1) == 1) w.Write((byte)0);
        }

        [Test]
        public void NamesAndImportSettingsFitTheSound()
        {
            Assert.That(ImportProfile.NameFromPrompt("Steady rain on a tin roof!"), Is.EqualTo("steady_rain_on_a_tin_roof"));
            Assert.That(ImportProfile.NameFromPrompt("Café — déjà vu"), Is.EqualTo("cafe_deja_vu"));
            Assert.That(ImportProfile.NameFromPrompt("¿¡"), Is.EqualTo("soundloom"));
            Assert.That(ImportProfile.NameFromPrompt(string.Join(" ", Enumerable.Repeat("thunder", 20))).Length, Is.LessThanOrEqualTo(48));
            var taken = new HashSet<string> { "rain", "rain_02" };
            Assert.That(ImportProfile.UniqueName("rain", taken.Contains), Is.EqualTo("rain_03"));
            var bed = ImportProfile.For(true, 30);
            Assert.That(bed.Load, Is.EqualTo(ClipLoad.Streaming));
            Assert.That(bed.Compression, Is.EqualTo(ClipCompression.Vorbis));
            var shot = ImportProfile.For(false, 1.5);
            Assert.That(shot.Load, Is.EqualTo(ClipLoad.DecompressOnLoad));
            Assert.That(ImportProfile.For(false, 25).Load, Is.EqualTo(ClipLoad.Streaming));
            var looped = new AssetInfo { DurationS = 3, Loop = new LoopPoints { LengthFrames = 10 } };
            Assert.That(ImportProfile.For(looped, null).Load, Is.EqualTo(ClipLoad.Streaming));
        }

        [Test]
        public void SavedRequestVariesTheSeed()
        {
            var saved = new SavedRequest
            {
                Server = "http://127.0.0.1:8080/",
                Request = new GenerateSceneRequest { Scene = new SceneRequest { Description = "door" }, Options = new RenderOptions { Seed = 41 } },
                AssetId = new string('a', 64),
                File = "door.wav",
            };
            var back = SavedRequest.FromJson(saved.ToJson());
            Assert.That(back.Request.Options.Seed, Is.EqualTo(41UL));
            Assert.That(back.Varied().Options.Seed, Is.EqualTo(42UL));
            Assert.That(back.Request.Options.Seed, Is.EqualTo(41UL), "varying leaves the saved request alone");
            Assert.That(SavedRequest.PathBeside(Path.Combine("Assets", "door.wav")), Is.EqualTo(Path.Combine("Assets", "door.soundloom.json")));
        }

        [Test]
        public void RequestKeyIgnoresTheClientRequestIdButNotTheServer()
        {
            var a = new SoundloomClient(new ClientOptions("http://127.0.0.1:1") { CacheDirectory = Path.GetTempPath() });
            var b = new SoundloomClient(new ClientOptions("http://127.0.0.1:2") { CacheDirectory = Path.GetTempPath() });
            var request = new GenerateSceneRequest { Scene = new SceneRequest { Description = "rain" } };
            var tagged = new GenerateSceneRequest { Scene = request.Scene, ClientRequestId = "trace-1" };
            Assert.That(a.RequestKey(tagged), Is.EqualTo(a.RequestKey(request)));
            Assert.That(b.RequestKey(request), Is.Not.EqualTo(a.RequestKey(request)));
            a.Dispose();
            b.Dispose();
        }

        [Test]
        public void OptionsRefuseABadUrl()
        {
            Assert.Throws<ArgumentException>(() => new ClientOptions("localhost:8080"));
            Assert.Throws<ArgumentException>(() => new ClientOptions(""));
            Assert.That(new ClientOptions("http://127.0.0.1:8080").BaseUrl.AbsoluteUri, Is.EqualTo("http://127.0.0.1:8080/"));
        }
    }
}
