// Helpers for the core's tests: the real server they run against, servers of their own that they
// can stop, a recording transport and a TCP proxy that cuts responses off. NUnit 2.6 (Debian's
// nunit-console) and NUnit 3 (Unity Test Framework) both run these: only attributes and asserts
// that both have are used.
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using NUnit.Framework;

namespace Soundloom.Tests
{
    /// <summary>Where the tests find the server: environment variables set by unity_client/ci/run_tests.sh.</summary>
    public static class TestEnv
    {
        /// <summary>SOUNDLOOM_TEST_URL: a running `soundloom serve` gateway (started with SOUNDLOOM_TEST_TOKEN).</summary>
        public static string Url { get { return Require("SOUNDLOOM_TEST_URL"); } }
        public static string Token { get { return Environment.GetEnvironmentVariable("SOUNDLOOM_TEST_TOKEN"); } }
        /// <summary>SOUNDLOOM_BIN: the `soundloom` executable, for tests that start (and stop) servers of their own.</summary>
        public static string Bin { get { return Require("SOUNDLOOM_BIN"); } }

        /// <summary>The variable's value; the test is ignored (inconclusive in Unity) when it is unset.</summary>
        public static string Require(string name)
        {
            var value = Environment.GetEnvironmentVariable(name);
            if (string.IsNullOrEmpty(value))
                Assert.Ignore(name + " is not set: run unity_client/ci/run_tests.sh, or start `soundloom serve` and set it");
            return value;
        }

        public static string TempDir(string prefix)
        {
            var path = Path.Combine(Path.GetTempPath(), "soundloom-test-" + prefix + "-" + Guid.NewGuid().ToString("N").Substring(0, 8));
            Directory.CreateDirectory(path);
            return path;
        }

        /// <summary>Runs async test code to completion (both NUnit versions; no async test methods needed).</summary>
        public static T Run<T>(Func<Task<T>> body) { return Task.Run(body).GetAwaiter().GetResult(); }
        public static void Run(Func<Task> body) { Task.Run(body).GetAwaiter().GetResult(); }
    }

    /// <summary>A `soundloom serve` of the test's own on ephemeral ports, killed on Dispose.</summary>
    public sealed class OwnServer : IDisposable
    {
        readonly Process _process;
        public string Url { get; private set; }
        public string Store { get; private set; }

        public OwnServer(string extraArgs = "", string token = null)
        {
            Store = TestEnv.TempDir("store");
            var info = new ProcessStartInfo(TestEnv.Bin,
                "serve --host 127.0.0.1 --grpc-port 0 --http-port 0 --store " + Store + " --log-level WARNING " + extraArgs
                + (token != null ? " --token " + token : ""))
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = false,
                CreateNoWindow = true,
            };
            info.EnvironmentVariables.Remove("SOUNDLOOM_TOKEN");
            _process = Process.Start(info);
            var first = Task.Run(() => _process.StandardOutput.ReadLine());
            if (!first.Wait(TimeSpan.FromSeconds(60)) || first.Result == null)
            {
                Dispose();
                throw new InvalidOperationException("soundloom serve did not report its ports within 60 s");
            }
            // "soundloom serve: grpc 127.0.0.1:43107 http http://127.0.0.1:40889"
            var at = first.Result.IndexOf("http://", StringComparison.Ordinal);
            if (at < 0) { Dispose(); throw new InvalidOperationException("unexpected first line: " + first.Result); }
            Url = first.Result.Substring(at).Trim();
        }

        /// <summary>Stops the server (the process is killed; nothing listens on its port afterwards).</summary>
        public void Stop()
        {
            try
            {
                if (!_process.HasExited)
                {
                    _process.Kill();
                    _process.WaitForExit(10000);
                }
            }
            catch (InvalidOperationException) { }
        }

        public void Dispose()
        {
            Stop();
            _process.Dispose();
            try { Directory.Delete(Store, true); } catch (IOException) { }
        }
    }

    /// <summary>What a client sent and got, one record per request.</summary>
    public sealed class Exchange
    {
        public string Method;
        public string PathAndQuery;
        public Dictionary<string, string> RequestHeaders;
        public int Status;      // -1: the transport threw
        public string Error;
    }

    /// <summary>An <see cref="ITransport"/> decorator that records every exchange.</summary>
    public sealed class RecordingTransport : ITransport
    {
        readonly ITransport _inner;
        public readonly List<Exchange> Log = new List<Exchange>();

        public RecordingTransport(ITransport inner) { _inner = inner; }

        public async Task<TransportResponse> SendAsync(TransportRequest request, CancellationToken cancellation)
        {
            var record = new Exchange
            {
                Method = request.Method,
                PathAndQuery = request.Url.PathAndQuery,
                RequestHeaders = new Dictionary<string, string>(request.Headers, StringComparer.OrdinalIgnoreCase),
            };
            lock (Log) Log.Add(record);
            try
            {
                var response = await _inner.SendAsync(request, cancellation).ConfigureAwait(false);
                record.Status = response.Status;
                return response;
            }
            catch (Exception ex)
            {
                record.Status = -1;
                record.Error = ex.GetType().Name + ": " + ex.Message;
                throw;
            }
        }

        public List<Exchange> Snapshot() { lock (Log) return new List<Exchange>(Log); }

        public void Dispose() { _inner.Dispose(); }
    }

    /// <summary>
    /// A loopback TCP proxy to a server that closes the first <c>cuts</c> connections whose
    /// response carries an audio file after <c>limit</c> bytes: a real cut-off download, as a
    /// dropped Wi-Fi connection would leave it.
    /// </summary>
    public sealed class CuttingProxy : IDisposable
    {
        readonly TcpListener _listener;
        readonly Uri _upstream;
        readonly long _limit;
        int _cutsLeft;
        public int Cuts;

        public CuttingProxy(string upstream, long limit, int cuts)
        {
            _upstream = new Uri(upstream);
            _limit = limit;
            _cutsLeft = cuts;
            _listener = new TcpListener(IPAddress.Loopback, 0);
            _listener.Start();
            Url = "http://127.0.0.1:" + ((IPEndPoint)_listener.LocalEndpoint).Port;
            Task.Run(AcceptLoop);
        }

        public string Url { get; private set; }

        async Task AcceptLoop()
        {
            while (true)
            {
                TcpClient client;
                try { client = await _listener.AcceptTcpClientAsync().ConfigureAwait(false); }
                catch (Exception) { return; }
                _ = Task.Run(() => Serve(client));
            }
        }

        async Task Serve(TcpClient client)
        {
            using (client)
            using (var upstream = new TcpClient())
            {
                try
                {
                    await upstream.ConnectAsync(_upstream.Host, _upstream.Port).ConfigureAwait(false);
                    var up = upstream.GetStream();
                    var down = client.GetStream();
                    _ = Pump(down, up, long.MaxValue, false);
                    await Pump(up, down, _limit, true).ConfigureAwait(false);
                }
                catch (Exception) { }
            }
        }

        /// <summary>Copies bytes; a response that looks like audio is cut after `limit` bytes while cuts remain.</summary>
        async Task Pump(Stream from, Stream to, long limit, bool isResponse)
        {
            var buffer = new byte[16384];
            long total = 0;
            var audio = false;
            while (true)
            {
                var read = await from.ReadAsync(buffer, 0, buffer.Length).ConfigureAwait(false);
                if (read <= 0) return;
                var head = isResponse ? System.Text.Encoding.ASCII.GetString(buffer, 0, Math.Min(read, 1024)) : "";
                if (head.StartsWith("HTTP/1.")) // a new response on this (keep-alive) connection
                {
                    total = 0;
                    audio = head.StartsWith("HTTP/1.1 200") && head.Contains("Content-Type: audio/");
                    if (audio && Interlocked.Decrement(ref _cutsLeft) < 0) audio = false;
                }
                if (audio && total + read > limit)
                {
                    await to.WriteAsync(buffer, 0, (int)(limit - total)).ConfigureAwait(false);
                    await to.FlushAsync().ConfigureAwait(false);
                    Interlocked.Increment(ref Cuts);
                    throw new IOException("cut"); // closes both sockets mid-body
                }
                await to.WriteAsync(buffer, 0, read).ConfigureAwait(false);
                total += read;
            }
        }

        public void Dispose() { _listener.Stop(); }
    }
}
