using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using Soundloom.V1;
using UnityEngine;
using UnityEngine.Networking;

namespace Soundloom.Unity
{
    /// <summary>
    /// The Unity side of the client: a <see cref="SoundloomClient"/> over UnityWebRequest with its
    /// cache under Application.persistentDataPath, and AudioClips built from cached files with their
    /// loop points and markers.
    /// </summary>
    public static class SoundloomUnity
    {
        /// <summary>A client for players and play mode. Call on the main thread.</summary>
        public static SoundloomClient CreateClient(string serverUrl, string token = null, Action<ClientOptions> configure = null)
        {
            var options = new ClientOptions(serverUrl)
            {
                Token = token,
                CacheDirectory = Path.Combine(Application.persistentDataPath, "soundloom-cache"),
            };
            if (configure != null) configure(options);
            return new SoundloomClient(options, new UnityWebRequestTransport());
        }

        /// <summary>
        /// The asset's main file as an AudioClip: PCM WAV through AudioClip.Create/SetData (the
        /// samples are read here), OGG Vorbis through UnityWebRequestMultimedia (decoded by Unity).
        /// Call on the main thread; <c>await</c> returns there.
        /// </summary>
        public static async Task<SoundloomClip> LoadClipAsync(this SoundloomAsset asset, CancellationToken cancellation = default(CancellationToken))
        {
            var name = Path.GetFileNameWithoutExtension(asset.MainPath) + "_" + asset.AssetId.Substring(0, 8);
            AudioClip clip;
            if (asset.Info.Format == AudioFormat.Wav)
            {
#if UNITY_WEBGL && !UNITY_EDITOR
                var bytes = File.ReadAllBytes(asset.MainPath); // no threads on WebGL
#else
                var bytes = await Task.Run(() => File.ReadAllBytes(asset.MainPath), cancellation);
#endif
                clip = ClipFromWav(name, WavFile.Parse(bytes));
            }
            else if (asset.Info.Format == AudioFormat.Ogg)
            {
                clip = await LoadWithUnityAsync(asset.MainPath, AudioType.OGGVORBIS, cancellation);
                clip.name = name;
            }
            else
            {
                throw new NotSupportedException(asset.Info.MimeType + " cannot be loaded at run time by Unity: ask for AUDIO_FORMAT_WAV or AUDIO_FORMAT_OGG");
            }
            return new SoundloomClip(clip, asset.Info.Loop, asset.Markers);
        }

        /// <summary>An AudioClip holding a WAV file's samples (loop and markers travel in SoundloomClip).</summary>
        public static AudioClip ClipFromWav(string name, WavFile wav)
        {
            var clip = AudioClip.Create(name, wav.Frames, wav.Channels, wav.SampleRate, false);
            clip.SetData(wav.Samples(), 0);
            return clip;
        }

        /// <summary>Any file Unity can decode (OGG, WAV, MP3...) as an AudioClip, via UnityWebRequestMultimedia.</summary>
        public static Task<AudioClip> LoadWithUnityAsync(string path, AudioType type, CancellationToken cancellation)
        {
            var done = new TaskCompletionSource<AudioClip>();
            var web = UnityWebRequestMultimedia.GetAudioClip(new Uri(Path.GetFullPath(path)).AbsoluteUri, type);
            ((DownloadHandlerAudioClip)web.downloadHandler).streamAudio = false;
            var registration = cancellation.Register(() => web.Abort());
            web.SendWebRequest().completed += _ =>
            {
                registration.Dispose();
                if (cancellation.IsCancellationRequested) done.TrySetCanceled();
                else if (web.result != UnityWebRequest.Result.Success) done.TrySetException(new IOException("Unity could not load " + path + ": " + web.error));
                else done.TrySetResult(DownloadHandlerAudioClip.GetContent(web));
                web.Dispose();
            };
            return done.Task;
        }
    }

    /// <summary>An AudioClip with the loop region and markers the server put in its file.</summary>
    public sealed class SoundloomClip
    {
        public SoundloomClip(AudioClip clip, LoopPoints loop, System.Collections.Generic.IList<Marker> markers)
        {
            Clip = clip;
            Loop = loop;
            Markers = markers ?? new System.Collections.Generic.List<Marker>();
        }

        public AudioClip Clip { get; private set; }
        /// <summary>Loop region in frames, or null (a one-shot).</summary>
        public LoopPoints Loop { get; private set; }
        public System.Collections.Generic.IList<Marker> Markers { get; private set; }
    }
}
