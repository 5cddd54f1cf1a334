using System.IO;
using UnityEditor;
using UnityEngine;

namespace Soundloom.Editor
{
    /// <summary>
    /// Project settings (Edit > Project Settings > Soundloom): the server URL and import folder live
    /// in ProjectSettings/SoundloomSettings.json (shared with the team through version control);
    /// the token lives in EditorPrefs, per user and machine, so it never lands in a repository.
    /// </summary>
    public sealed class SoundloomSettings
    {
        const string SettingsPath = "ProjectSettings/SoundloomSettings.json";
        const string TokenKey = "Soundloom.Token";

        [SerializeField] public string serverUrl = "http://127.0.0.1:8080";
        [SerializeField] public string importFolder = "Assets/Audio/Soundloom";
        [SerializeField] public string loudnessPreset = "console";

        static SoundloomSettings _instance;

        public static SoundloomSettings Instance
        {
            get
            {
                if (_instance != null) return _instance;
                _instance = new SoundloomSettings();
                if (File.Exists(SettingsPath)) JsonUtility.FromJsonOverwrite(File.ReadAllText(SettingsPath), _instance);
                return _instance;
            }
        }

        public string Token
        {
            get { return EditorPrefs.GetString(TokenKey, ""); }
            set { EditorPrefs.SetString(TokenKey, value ?? ""); }
        }

        public void Save() { Files.WriteAtomically(SettingsPath, JsonUtility.ToJson(this, true)); }

        /// <summary>A client for editor use (HttpClient transport: the editor has no player restrictions).</summary>
        public SoundloomClient CreateClient()
        {
            var options = new ClientOptions(serverUrl) { Token = string.IsNullOrEmpty(Token) ? null : Token };
            options.CacheDirectory = Path.Combine(Path.GetFullPath("Library"), "SoundloomCache");
            return new SoundloomClient(options, new HttpClientTransport());
        }

        [SettingsProvider]
        static SettingsProvider Provider()
        {
            return new SettingsProvider("Project/Soundloom", SettingsScope.Project)
            {
                label = "Soundloom",
                guiHandler = _ =>
                {
                    var s = Instance;
                    EditorGUI.BeginChangeCheck();
                    s.serverUrl = EditorGUILayout.TextField("Server URL", s.serverUrl);
                    var token = EditorGUILayout.PasswordField(new GUIContent("Token", "Stored in EditorPrefs (this user, this machine), not in the project"), s.Token);
                    s.importFolder = EditorGUILayout.TextField("Import folder", s.importFolder);
                    s.loudnessPreset = EditorGUILayout.TextField("Loudness preset", s.loudnessPreset);
                    if (EditorGUI.EndChangeCheck())
                    {
                        s.Token = token;
                        s.Save();
                    }
                },
                keywords = new[] { "Soundloom", "audio", "server", "token" },
            };
        }
    }
}
