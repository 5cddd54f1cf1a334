using System.Threading;
using Soundloom;
using Soundloom.Unity;
using Soundloom.V1;
using UnityEngine;

/// <summary>Generates a rain bed at startup and plays it looping, logging each marker.</summary>
[RequireComponent(typeof(AudioSource))]
public sealed class GenerateRainBed : MonoBehaviour
{
    public string serverUrl = "http://127.0.0.1:8080";
    public string token = "";
    [TextArea] public string description = "steady rain on a tin roof, distant thunder";
    public float seconds = 20;

    SoundloomClient _client;
    readonly CancellationTokenSource _cancel = new CancellationTokenSource();

    async void Start()
    {
        _client = SoundloomUnity.CreateClient(serverUrl, string.IsNullOrEmpty(token) ? null : token);
        try
        {
            // WAV: AudioClip.Create/SetData keeps the samples readable for SoundloomAmbience.
            var asset = await _client.GenerateAsync(description, seconds,
                new RenderOptions { Loop = true, Format = AudioFormat.Wav }, null, _cancel.Token);
            var clip = await asset.LoadClipAsync(_cancel.Token);
            var ambience = gameObject.AddComponent<SoundloomAmbience>();
            ambience.playOnStart = false;
            ambience.Use(clip);
            ambience.MarkerReached += (label, dspTime) => Debug.Log("marker " + label + " at DSP " + dspTime.ToString("0.000"));
            ambience.Play();
            Debug.Log("playing " + asset.AssetId + (asset.FromCache ? " (cached)" : "") + (asset.Offline ? " (offline)" : ""));
        }
        catch (InvalidArgumentException ex) { Debug.LogError("bad request, field " + ex.Field + ": " + ex.Message); }
        catch (SoundloomException ex) { Debug.LogError(ex.Status + ": " + ex.Message); }
    }

    void OnDestroy()
    {
        _cancel.Cancel();
        if (_client != null) _client.Dispose();
    }
}
