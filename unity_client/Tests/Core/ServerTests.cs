// The core against a real `soundloom serve` on 127.0.0.1 (see unity_client/ci/run_tests.sh).
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;
using Soundloom.V1;

namespace Soundloom.Tests
{
    [TestFixture]
    public class ServerTests
    {
        readonly List<string> _dirs = new List<string>();

        string CacheDir()
        {
            var dir = TestEnv.TempDir("cache");
            _dirs.Add(dir);
            return dir;
        }

        [TearDown]
        public void RemoveDirs()
        {
            foreach (var dir in _dirs)
                try { Directory.Delete(dir, true); } catch (IOException) { }
            _dirs.Clear();
        }

        ClientOptions Options(string url = null, string cacheDir = null)
        {
            return new ClientOptions(url ?? TestEnv.Url)
            {
                Token = TestEnv.Token,
                CacheDirectory = cacheDir ?? CacheDir(),
                InitialBackoff = TimeSpan.FromMilliseconds(50),
            };
        }

        static GenerateSceneRequest RainWav(ulong seed = 7)
        {
            return new GenerateSceneRequest
            {
                Scene = new SceneRequest { Description = "steady rain on a tin roof, a door slams", DurationS = 3 },
                Options = new RenderOptions { Format = AudioFormat.Wav, Loop = true, Seed = seed },
            };
        }

        [Test]
        public void GenerateFetchesVerifiesAndCaches()
        {
            var options = Options();
            var transport = new RecordingTransport(new HttpClientTransport());
            using (var client = new SoundloomClient(options, transport))
            {
                var asset = TestEnv.Run(() => client.GenerateAsync(RainWav(), null, CancellationToken.None));
                Assert.That(asset.FromCache, Is.False);
                Assert.That(Hashing.IsSha256Hex(asset.AssetId), Is.True);
                Assert.That(asset.Info.Format, Is.EqualTo(AudioFormat.Wav));
                Assert.That(asset.Plan.Events.Count, Is.GreaterThanOrEqualTo(2));
                Assert.That(Hashing.FileSha256(asset.MainPath), Is.EqualTo(asset.Info.Sha256));
                foreach (var file in asset.Info.Files)
                {
                    Assert.That(Hashing.FileSha256(asset.PathOf(file.Name)), Is.EqualTo(file.Sha256), file.Name);
                    Assert.That((ulong)new FileInfo(asset.PathOf(file.Name)).Length, Is.EqualTo(file.SizeBytes), file.Name);
                }
                StringAssert.StartsWith(Path.Combine(options.CacheDirectory, "assets"), asset.Directory);
                Assert.That(client.Cache.Contains(asset.AssetId), Is.True);
                var gets = transport.Snapshot().Where(e => e.Method == "GET").ToList();
                Assert.That(gets.Count, Is.EqualTo(asset.Info.Files.Count)); // every file fetched once
                Assert.That(transport.Snapshot().All(e => e.RequestHeaders["Authorization"] == "Bearer " + TestEnv.Token), Is.True);

                var before = transport.Snapshot().Count;
                var again = TestEnv.Run(() => client.GenerateAsync(RainWav(), null, CancellationToken.None));
                Assert.That(again.FromCache, Is.True);
                Assert.That(again.AssetId, Is.EqualTo(asset.AssetId));
                Assert.That(transport.Snapshot().Count, Is.EqualTo(before), "a cached request needs no network");
            }
        }

        sealed class Collect : IProgress<GenerateProgress>
        {
            public readonly List<GenerateProgress> Seen = new List<GenerateProgress>();
            public void Report(GenerateProgress value) { lock (Seen) Seen.Add(value); }
        }

        [Test]
        public void ProgressComesFromTheStreamRoute()
        {
            var transport = new RecordingTransport(new HttpClientTransport());
            var progress = new Collect();
            using (var client = new SoundloomClient(Options(), transport))
            {
                var request = RainWav((ulong)DateTime.UtcNow.Ticks % 1000000000UL); // unseen: a real render
                var asset = TestEnv.Run(() => client.GenerateAsync(request, progress, CancellationToken.None));
                Assert.That(asset.FromCache, Is.False);
            }
            Assert.That(transport.Snapshot().First().PathAndQuery, Is.EqualTo("/v1/generate/stream"));
            var phases = progress.Seen.Select(p => p.Phase).Distinct().ToList();
            Assert.That(phases, Has.Member("render").And.Member("downloading"));
            Assert.That(phases.IndexOf("render"), Is.LessThan(phases.IndexOf("downloading")));
            var fractions = progress.Seen.Select(p => p.Fraction).ToList();
            for (var i = 1; i < fractions.Count; i++)
                Assert.That(fractions[i], Is.GreaterThanOrEqualTo(fractions[i - 1] - 1e-9), "the bar never goes back");
            Assert.That(progress.Seen.Last().Phase, Is.EqualTo("done"));
            Assert.That(progress.Seen.Last().Fraction, Is.EqualTo(1.0));
        }

        [Test]
        public void CachedAssetIsServedWithTheServerStopped()
        {
            var cacheDir = CacheDir();
            string id;
            using (var server = new OwnServer())
            {
                using (var client = new SoundloomClient(Options(server.Url, cacheDir)))
                    id = TestEnv.Run(() => client.GenerateAsync(RainWav(11), null, CancellationToken.None)).AssetId;
                server.Stop();
                Assert.That(TestEnv.Run(() => new Gateway(Options(server.Url), new HttpClientTransport()).HealthAsync(CancellationToken.None)), Is.False);

                // Revalidate asks the server first: it is gone, so the cache answers, marked offline.
                var revalidate = Options(server.Url, cacheDir);
                revalidate.CachePolicy = CachePolicy.Revalidate;
                revalidate.MaxAttempts = 2;
                var transport = new RecordingTransport(new HttpClientTransport());
                using (var client = new SoundloomClient(revalidate, transport))
                {
                    var offline = TestEnv.Run(() => client.GenerateAsync(RainWav(11), null, CancellationToken.None));
                    Assert.That(offline.Offline, Is.True);
                    Assert.That(offline.AssetId, Is.EqualTo(id));
                    Assert.That(Hashing.FileSha256(offline.MainPath), Is.EqualTo(offline.Info.Sha256));
                    Assert.That(transport.Snapshot().Count, Is.EqualTo(2), "two attempts at the stopped server");
                    Assert.That(transport.Snapshot().All(e => e.Status == -1), Is.True);

                    var byId = TestEnv.Run(() => client.FetchAsync(id));
                    Assert.That(byId.Offline, Is.True);
                }

                // PreferCache does not even try.
                var quiet = new RecordingTransport(new HttpClientTransport());
                using (var client = new SoundloomClient(Options(server.Url, cacheDir), quiet))
                {
                    var hit = TestEnv.Run(() => client.GenerateAsync(RainWav(11), null, CancellationToken.None));
                    Assert.That(hit.FromCache, Is.True);
                    Assert.That(quiet.Snapshot().Count, Is.EqualTo(0));
                }

                // Without a cached answer, the failure is typed.
                using (var client = new SoundloomClient(revalidate))
                {
                    var error = Assert.Throws<UnavailableException>(() =>
                        TestEnv.Run(() => client.GenerateAsync(RainWav(12), null, CancellationToken.None)));
                    Assert.That(error.HttpStatus, Is.EqualTo(0));
                }
            }
        }

        [Test]
        public void RevalidationGets304()
        {
            var cacheDir = CacheDir();
            string id;
            using (var client = new SoundloomClient(Options(null, cacheDir)))
                id = TestEnv.Run(() => client.GenerateAsync(RainWav(), null, CancellationToken.None)).AssetId;
            var options = Options(null, cacheDir);
            options.CachePolicy = CachePolicy.Revalidate;
            var transport = new RecordingTransport(new HttpClientTransport());
            using (var client = new SoundloomClient(options, transport))
            {
                var asset = TestEnv.Run(() => client.FetchAsync(id));
                Assert.That(asset.Revalidated, Is.True);
                Assert.That(asset.FromCache, Is.True);
                var exchange = transport.Snapshot().Single();
                Assert.That(exchange.RequestHeaders["If-None-Match"], Is.EqualTo("\"" + asset.Info.Sha256 + "\""));
                Assert.That(exchange.Status, Is.EqualTo(304));
            }
        }

        [Test]
        public void CutOffDownloadResumesWithRange()
        {
            var request = RainWav(21);
            using (var proxy = new CuttingProxy(TestEnv.Url, 100000, 1))
            {
                var transport = new RecordingTransport(new HttpClientTransport());
                using (var client = new SoundloomClient(Options(proxy.Url), transport))
                {
                    var asset = TestEnv.Run(() => client.GenerateAsync(request, null, CancellationToken.None));
                    Assert.That(proxy.Cuts, Is.EqualTo(1));
                    Assert.That(Hashing.FileSha256(asset.MainPath), Is.EqualTo(asset.Info.Sha256));
                    var mainGets = transport.Snapshot().Where(e => e.Method == "GET" && e.PathAndQuery.EndsWith("?file=" + asset.Info.Files[0].Name)).ToList();
                    Assert.That(mainGets.Count, Is.EqualTo(2), "one cut-off GET, one resumed");
                    var resumed = mainGets[1];
                    Assert.That(resumed.Status, Is.EqualTo(206));
                    var from = long.Parse(resumed.RequestHeaders["Range"].Substring("bytes=".Length).TrimEnd('-'));
                    Assert.That(from, Is.GreaterThan(0).And.LessThan(100000));
                    Assert.That(resumed.RequestHeaders["If-Range"], Is.EqualTo("\"" + asset.Info.Sha256 + "\""));
                }
            }
        }

        [Test]
        public void PartLeftByAFailedCallIsResumedByTheNext()
        {
            var cacheDir = CacheDir();
            var request = RainWav(22);
            using (var proxy = new CuttingProxy(TestEnv.Url, 150000, 1))
            {
                var once = Options(proxy.Url, cacheDir);
                once.MaxAttempts = 1;
                using (var client = new SoundloomClient(once))
                    Assert.Throws<UnavailableException>(() => TestEnv.Run(() => client.GenerateAsync(request, null, CancellationToken.None)));
                var parts = Directory.GetFiles(Path.Combine(cacheDir, "staging"), "*.part", SearchOption.AllDirectories);
                Assert.That(parts.Length, Is.EqualTo(1));
                var kept = new FileInfo(parts[0]).Length;
                Assert.That(kept, Is.GreaterThan(0));

                var transport = new RecordingTransport(new HttpClientTransport());
                using (var client = new SoundloomClient(Options(proxy.Url, cacheDir), transport))
                {
                    var asset = TestEnv.Run(() => client.GenerateAsync(request, null, CancellationToken.None));
                    Assert.That(Hashing.FileSha256(asset.MainPath), Is.EqualTo(asset.Info.Sha256));
                    var get = transport.Snapshot().First(e => e.Method == "GET");
                    Assert.That(get.RequestHeaders["Range"], Is.EqualTo("bytes=" + kept + "-"));
                    Assert.That(get.Status, Is.EqualTo(206));
                }
                Assert.That(Directory.GetFiles(cacheDir, "*.part", SearchOption.AllDirectories), Is.Empty);
            }
        }

        [Test]
        public void QueueFull429IsRetriedAfterRetryAfter()
        {
            using (var server = new OwnServer("--workers 1 --max-queue 0"))
            using (var http = new HttpClient())
            {
                // Occupy the only worker with a long render; nothing may wait behind it.
                var body = "{\"scene\": {\"description\": \"wind and waves on a rocky shore\", \"duration_s\": 25}, \"options\": {\"seed\": \"" + DateTime.UtcNow.Ticks + "\"}}";
                var busy = http.PostAsync(server.Url + "/v1/generate", new StringContent(body, Encoding.UTF8, "application/json"));
                Thread.Sleep(700);
                var retries = new List<RetryInfo>();
                var transport = new RecordingTransport(new HttpClientTransport());
                var options = Options(server.Url);
                options.Token = null;
                options.MaxAttempts = 60;
                using (var client = new SoundloomClient(options, transport))
                {
                    client.Gateway.Retrying += info => { lock (retries) retries.Add(info); };
                    var asset = TestEnv.Run(() => client.GenerateAsync("a heavy door slams", 1, new RenderOptions { Format = AudioFormat.Wav }));
                    Assert.That(Hashing.FileSha256(asset.MainPath), Is.EqualTo(asset.Info.Sha256));
                }
                Assert.That(busy.Result.IsSuccessStatusCode, Is.True);
                var posts = transport.Snapshot().Where(e => e.Method == "POST").ToList();
                Assert.That(posts.First().Status, Is.EqualTo(429), "the queue was full when the request arrived");
                Assert.That(posts.Last().Status, Is.EqualTo(200));
                Assert.That(retries.Count, Is.EqualTo(posts.Count - 1));
                Assert.That(retries.All(r => r.HttpStatus == 429 && r.Delay >= TimeSpan.FromSeconds(1)), Is.True,
                    "each wait honours Retry-After: 1");
            }
        }

        [Test]
        public void BadRequestCarriesTheServersFieldNamedMessage()
        {
            var transport = new RecordingTransport(new HttpClientTransport());
            using (var client = new SoundloomClient(Options(), transport))
            {
                var error = Assert.Throws<InvalidArgumentException>(() =>
                    TestEnv.Run(() => client.GenerateAsync("steady rain", -4)));
                Assert.That(error.HttpStatus, Is.EqualTo(400));
                Assert.That(error.Status, Is.EqualTo("INVALID_ARGUMENT"));
                Assert.That(error.Field, Is.EqualTo("scene.duration_s"));
                StringAssert.StartsWith("scene.duration_s must be >= 0", error.Message);
                Assert.That(transport.Snapshot().Count, Is.EqualTo(1), "a 400 is not retried");

                var plan = new ScenePlan
                {
                    DurationS = 2,
                    Events = new List<Event> { new Event { Id = "a", Kind = EventKind.Sfx, Caption = "door", Recipe = "door", DurationS = 1, Pan = 3 } },
                };
                var planError = Assert.Throws<InvalidArgumentException>(() => TestEnv.Run(() => client.RenderAsync(plan)));
                Assert.That(planError.Field, Is.EqualTo("events[0].pan"));
            }
        }

        [Test]
        public void WrongTokenIsUnauthenticated()
        {
            var options = Options();
            options.Token = "not-the-token";
            using (var client = new SoundloomClient(options))
            {
                var error = Assert.Throws<UnauthenticatedException>(() => TestEnv.Run(() => client.PlanAsync("rain", 5)));
                Assert.That(error.HttpStatus, Is.EqualTo(401));
            }
        }

        [Test]
        public void DeadlineStopsALongGenerate()
        {
            var options = Options();
            options.GenerateTimeout = TimeSpan.FromMilliseconds(400);
            using (var client = new SoundloomClient(options))
            {
                var started = DateTime.UtcNow;
                var error = Assert.Throws<DeadlineExceededException>(() => TestEnv.Run(() =>
                    client.GenerateAsync("a crowd murmurs in a great hall, rain outside", 90, new RenderOptions { Seed = (ulong)DateTime.UtcNow.Ticks })));
                Assert.That(DateTime.UtcNow - started, Is.LessThan(TimeSpan.FromSeconds(5)));
                Assert.That(error.Status, Is.EqualTo("DEADLINE_EXCEEDED"));
            }
        }

        [Test]
        public void PlanAndBackends()
        {
            using (var client = new SoundloomClient(Options()))
            {
                var plan = TestEnv.Run(() => client.PlanAsync("rain on a tin roof, then a door slams", 10));
                Assert.That(plan.DurationS, Is.EqualTo(10));
                Assert.That(plan.Events.Select(e => e.Kind).ToList(), Has.Member(EventKind.Ambience).And.Member(EventKind.Sfx));
                var backends = TestEnv.Run(() => client.Gateway.BackendsAsync(CancellationToken.None));
                Assert.That(backends.Backends.Any(b => b.Name == "procedural" && b.Kind == BackendKind.Renderer && b.Available && b.IsDefault), Is.True);
                Assert.That(TestEnv.Run(() => client.Gateway.HealthAsync(CancellationToken.None)), Is.True);
            }
        }

        [Test]
        public void WavLoopAndMarkersEqualTheMeta()
        {
            using (var client = new SoundloomClient(Options()))
            {
                var asset = TestEnv.Run(() => client.GenerateAsync(RainWav(), null, CancellationToken.None));
                var meta = TestEnv.Run(() => client.Gateway.MetaAsync(asset.AssetId, CancellationToken.None));
                var wav = WavFile.Read(asset.MainPath);
                Assert.That(wav.SampleRate, Is.EqualTo((int)meta.SampleRate));
                Assert.That(wav.Channels, Is.EqualTo((int)meta.Channels));
                Assert.That(wav.Frames, Is.EqualTo((int)meta.Frames));
                Assert.That(meta.Loop, Is.Not.Null);
                Assert.That(wav.Loop.StartFrame, Is.EqualTo(meta.Loop.StartFrame));
                Assert.That(wav.Loop.LengthFrames, Is.EqualTo(meta.Loop.LengthFrames));
                Assert.That(meta.Markers.Count, Is.GreaterThanOrEqualTo(2));
                Assert.That(wav.Markers.Select(m => m.Frame + "|" + m.Label + "|" + m.LengthFrames).ToList(),
                    Is.EqualTo(meta.Markers.Select(m => m.Frame + "|" + m.Label + "|" + m.LengthFrames).ToList()));
                var samples = wav.Samples();
                Assert.That(samples.Length, Is.EqualTo(wav.Frames * wav.Channels));
                Assert.That(samples.Max(Math.Abs), Is.GreaterThan(0.01f).And.LessThanOrEqualTo(1f));
            }
        }

        [Test]
        public void OggLoopCommentsEqualTheMeta()
        {
            using (var client = new SoundloomClient(Options()))
            {
                var asset = TestEnv.Run(() => client.GenerateAsync("wind through pine trees", 3, new RenderOptions { Loop = true, Format = AudioFormat.Ogg, Seed = 5 }));
                Assert.That(asset.Info.MimeType, Is.EqualTo("audio/ogg"));
                var loop = OggComments.Loop(File.ReadAllBytes(asset.MainPath));
                Assert.That(loop, Is.Not.Null);
                Assert.That(loop.StartFrame, Is.EqualTo(asset.Info.Loop.StartFrame));
                Assert.That(loop.LengthFrames, Is.EqualTo(asset.Info.Loop.LengthFrames));
            }
        }

        [Test]
        public void CacheOffDownloadsEveryTimeAndLeavesNothing()
        {
            var options = Options();
            options.CacheEnabled = false;
            var transport = new RecordingTransport(new HttpClientTransport());
            string directory;
            using (var client = new SoundloomClient(options, transport))
            {
                var first = TestEnv.Run(() => client.GenerateAsync(RainWav(), null, CancellationToken.None));
                var posts = transport.Snapshot().Count(e => e.Method == "POST");
                TestEnv.Run(() => client.GenerateAsync(RainWav(), null, CancellationToken.None));
                Assert.That(transport.Snapshot().Count(e => e.Method == "POST"), Is.EqualTo(posts + 1), "no cache lookup when off");
                directory = first.Directory;
                Assert.That(File.Exists(first.MainPath), Is.True);
            }
            Assert.That(Directory.Exists(directory), Is.False, "the scratch folder goes with the client");
            Assert.That(Directory.GetFileSystemEntries(options.CacheDirectory), Is.Empty);
        }

        [Test]
        public void DamagedCacheFileIsFetchedAgain()
        {
            var cacheDir = CacheDir();
            using (var client = new SoundloomClient(Options(null, cacheDir)))
            {
                var asset = TestEnv.Run(() => client.GenerateAsync(RainWav(), null, CancellationToken.None));
                var bytes = File.ReadAllBytes(asset.MainPath);
                bytes[bytes.Length / 2] ^= 0x55;
                File.WriteAllBytes(asset.MainPath, bytes);
                var again = TestEnv.Run(() => client.GenerateAsync(RainWav(), null, CancellationToken.None));
                Assert.That(again.FromCache, Is.False, "the damaged entry was dropped and downloaded again");
                Assert.That(Hashing.FileSha256(again.MainPath), Is.EqualTo(again.Info.Sha256));
            }
        }

        [Test]
        public void SizeCapEvictsLeastRecentlyUsed()
        {
            var cacheDir = CacheDir();
            var options = Options(null, cacheDir);
            using (var client = new SoundloomClient(options))
            {
                var a = TestEnv.Run(() => client.GenerateAsync(RainWav(31), null, CancellationToken.None));
                Thread.Sleep(1100); // file times have 1 s resolution on some filesystems
                var b = TestEnv.Run(() => client.GenerateAsync(RainWav(32), null, CancellationToken.None));
                Thread.Sleep(1100);
                Assert.That(TestEnv.Run(() => client.GenerateAsync(RainWav(31), null, CancellationToken.None)).FromCache, Is.True); // a is now newer than b
                Thread.Sleep(1100);
                var size = client.Cache.SizeBytes();
                client.Cache.MaxBytes = size; // room for what is there, not one more
                var c = TestEnv.Run(() => client.GenerateAsync(RainWav(33), null, CancellationToken.None));
                Assert.That(client.Cache.Contains(c.AssetId), Is.True);
                Assert.That(client.Cache.Contains(a.AssetId), Is.True);
                Assert.That(client.Cache.Contains(b.AssetId), Is.False, "the least recently used entry goes first");
                Assert.That(client.Cache.SizeBytes(), Is.LessThanOrEqualTo(size));
            }
        }
    }
}
