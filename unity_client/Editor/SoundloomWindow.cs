using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using Soundloom.V1;
using UnityEditor;
using UnityEngine;

namespace Soundloom.Editor
{
    /// <summary>
    /// Window > Audio > Soundloom: describe a sound, generate it on the server (progress per stage
    /// from POST /v1/generate/stream, cancellable), see the plan's events, preview, and import the
    /// result into Assets/ with the request saved beside it for Regenerate / Vary.
    /// </summary>
    public sealed class SoundloomWindow : EditorWindow
    {
        enum Kind { Auto, Ambience, OneShot }
        static readonly string[] Presets = { "console", "mobile", "broadcast", "streaming" };

        [SerializeField] string _prompt = "steady rain on a tin roof";
        [SerializeField] float _duration = 10;
        [SerializeField] Kind _kind = Kind.Auto;
        [SerializeField] int _variations = 1;
        [SerializeField] long _seed;
        [SerializeField] int _preset;

        readonly List<SoundloomAsset> _results = new List<SoundloomAsset>();
        GenerateSceneRequest _lastRequest;
        CancellationTokenSource _cancel;
        string _status = "";
        double _fraction;
        Vector2 _scroll;
        AudioSource _preview;

        [MenuItem("Window/Audio/Soundloom")]
        public static SoundloomWindow Open()
        {
            var window = GetWindow<SoundloomWindow>();
            window.titleContent = new GUIContent("Soundloom");
            window.minSize = new Vector2(380, 420);
            return window;
        }

        /// <summary>Opens the window with a saved request; <paramref name="vary"/> moves to the next seed.</summary>
        public static void OpenWith(SavedRequest saved, bool vary)
        {
            var window = Open();
            var request = vary ? saved.Varied() : saved.Request;
            window._prompt = request.Scene != null ? request.Scene.Description : request.Plan.Description;
            window._duration = (float)(request.Scene != null ? request.Scene.DurationS : request.Plan.DurationS);
            window._seed = request.Options != null && request.Options.Seed.HasValue ? (long)request.Options.Seed.Value : 0;
            window._variations = 1;
            window.Generate(new List<GenerateSceneRequest> { request });
        }

        void OnGUI()
        {
            var settings = SoundloomSettings.Instance;
            EditorGUILayout.LabelField("Server", settings.serverUrl + (string.IsNullOrEmpty(settings.Token) ? "" : "  (token set)"), EditorStyles.miniLabel);
            if (GUILayout.Button("Project Settings...", EditorStyles.miniButton, GUILayout.Width(130)))
                SettingsService.OpenProjectSettings("Project/Soundloom");
            EditorGUILayout.Space();
            EditorGUILayout.LabelField("Describe the sound");
            _prompt = EditorGUILayout.TextArea(_prompt, GUILayout.MinHeight(48));
            _duration = EditorGUILayout.Slider("Duration (s)", _duration, 0.1f, 600f);
            _kind = (Kind)EditorGUILayout.EnumPopup(new GUIContent("Kind", "Ambience: a seamless loop (OGG, streamed). One-shot: WAV, decompressed on load."), _kind);
            _variations = EditorGUILayout.IntSlider("Variations", _variations, 1, 8);
            _seed = EditorGUILayout.LongField(new GUIContent("Seed", "Same prompt and seed: same sound. Variations take seed, seed+1, ..."), _seed);
            _preset = EditorGUILayout.Popup("Loudness", _preset, Presets);

            EditorGUILayout.Space();
            using (new EditorGUI.DisabledScope(_cancel != null || string.IsNullOrWhiteSpace(_prompt)))
                if (GUILayout.Button("Generate", GUILayout.Height(28))) Generate(Requests());
            if (_cancel != null)
            {
                var rect = EditorGUILayout.GetControlRect(false, 18);
                EditorGUI.ProgressBar(rect, (float)_fraction, _status);
                if (GUILayout.Button("Cancel")) _cancel.Cancel();
            }
            else if (_status.Length > 0)
            {
                EditorGUILayout.HelpBox(_status, _status.StartsWith("Error") ? MessageType.Error : MessageType.Info);
            }

            _scroll = EditorGUILayout.BeginScrollView(_scroll);
            foreach (var asset in _results.ToArray()) DrawResult(asset, settings);
            EditorGUILayout.EndScrollView();
        }

        List<GenerateSceneRequest> Requests()
        {
            var requests = new List<GenerateSceneRequest>();
            for (var i = 0; i < _variations; i++)
            {
                var options = new RenderOptions { Preset = Presets[_preset], Seed = (ulong)Math.Max(0, _seed) + (ulong)i };
                if (_kind == Kind.Ambience) { options.Loop = true; options.Format = AudioFormat.Ogg; }
                else if (_kind == Kind.OneShot) options.Format = AudioFormat.Wav;
                else options.Format = _duration > ImportProfile.LongOneShotS ? AudioFormat.Ogg : AudioFormat.Wav;
                requests.Add(new GenerateSceneRequest { Scene = new SceneRequest { Description = _prompt, DurationS = _duration }, Options = options });
            }
            return requests;
        }

        async void Generate(List<GenerateSceneRequest> requests)
        {
            _cancel = new CancellationTokenSource();
            _results.Clear();
            var cancel = _cancel;
            try
            {
                using (var client = SoundloomSettings.Instance.CreateClient())
                {
                    for (var i = 0; i < requests.Count; i++)
                    {
                        var index = i;
                        var progress = new Progress<GenerateProgress>(p =>
                        {
                            _fraction = (index + p.Fraction) / requests.Count;
                            _status = (requests.Count > 1 ? "take " + (index + 1) + "/" + requests.Count + ": " : "") + p.Message;
                            Repaint();
                        });
                        var asset = await client.GenerateAsync(requests[i], progress, cancel.Token);
                        _results.Add(asset);
                        _lastRequest = requests[i];
                    }
                }
                _status = "Generated " + _results.Count + (_results.Count == 1 ? " sound." : " sounds.");
            }
            catch (OperationCanceledException) { _status = "Cancelled."; }
            catch (SoundloomException ex) { _status = "Error (" + ex.Status + "): " + ex.Message; }
            catch (Exception ex) { _status = "Error: " + ex.Message; }
            finally
            {
                cancel.Dispose();
                _cancel = null;
                Repaint();
            }
        }

        void DrawResult(SoundloomAsset asset, SoundloomSettings settings)
        {
            EditorGUILayout.BeginVertical(EditorStyles.helpBox);
            EditorGUILayout.LabelField(Path.GetFileName(asset.MainPath) + "  " + asset.Info.DurationS.ToString("0.0") + " s, "
                + asset.Info.Loudness.IntegratedLufs.ToString("0.0") + " LUFS" + (asset.Loop != null ? ", loops" : "") + (asset.FromCache ? " (cached)" : ""), EditorStyles.boldLabel);
            if (asset.Plan != null && asset.Plan.Events != null)
                foreach (var e in asset.Plan.Events)
                    EditorGUILayout.LabelField("  " + e.StartS.ToString("0.00") + " s  " + (e.Kind == EventKind.Ambience ? "bed " : "sfx ") + e.Recipe + ": " + e.Caption
                        + "  (" + e.DurationS.ToString("0.0") + " s)", EditorStyles.miniLabel);
            EditorGUILayout.BeginHorizontal();
            if (GUILayout.Button("Preview")) Preview(asset);
            if (GUILayout.Button("Stop")) StopPreview();
            if (GUILayout.Button("Import"))
            {
                var folder = EditorUtility.SaveFolderPanel("Import into", settings.importFolder, "");
                if (!string.IsNullOrEmpty(folder))
                {
                    var relative = ToProjectPath(folder);
                    if (relative == null) EditorUtility.DisplayDialog("Soundloom", "Choose a folder inside this project's Assets/.", "OK");
                    else
                    {
                        var path = SoundloomImport.ImportGenerated(asset, _lastRequest, settings.serverUrl, relative, _prompt);
                        EditorGUIUtility.PingObject(AssetDatabase.LoadMainAssetAtPath(path));
                    }
                }
            }
            EditorGUILayout.EndHorizontal();
            EditorGUILayout.EndVertical();
        }

        static string ToProjectPath(string absolute)
        {
            var root = Path.GetFullPath(Application.dataPath).Replace('\\', '/');
            var full = Path.GetFullPath(absolute).Replace('\\', '/');
            return full.StartsWith(root) ? "Assets" + full.Substring(root.Length) : null;
        }

        async void Preview(SoundloomAsset asset)
        {
            StopPreview();
            try
            {
                var clip = await Unity.SoundloomUnity.LoadClipAsync(asset);
                if (_preview == null)
                {
                    var go = EditorUtility.CreateGameObjectWithHideFlags("Soundloom Preview", HideFlags.HideAndDontSave, typeof(AudioSource));
                    _preview = go.GetComponent<AudioSource>();
                }
                _preview.clip = clip.Clip;
                _preview.loop = clip.Loop != null;
                _preview.Play();
            }
            catch (Exception ex) { _status = "Error: preview failed: " + ex.Message; Repaint(); }
        }

        void StopPreview() { if (_preview != null) _preview.Stop(); }

        void OnDisable()
        {
            if (_cancel != null) _cancel.Cancel();
            if (_preview != null) DestroyImmediate(_preview.gameObject);
        }
    }
}
