using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Soundloom.V1;
using UnityEditor;
using UnityEngine;

namespace Soundloom.Editor
{
    /// <summary>Puts generated sounds and banks into Assets/ with fitting import settings.</summary>
    public static class SoundloomImport
    {
        public const string Label = "Soundloom";

        /// <summary>
        /// Copies the asset's main file into <paramref name="folder"/> under a name from the
        /// prompt, saves the request beside it (name.soundloom.json), labels it and applies the
        /// import profile (beds: Vorbis + Streaming; one-shots: Decompress On Load). Returns the path.
        /// </summary>
        public static string ImportGenerated(SoundloomAsset asset, GenerateSceneRequest request, string serverUrl, string folder, string prompt)
        {
            Directory.CreateDirectory(folder);
            var extension = Path.GetExtension(asset.MainPath);
            var stem = ImportProfile.UniqueName(ImportProfile.NameFromPrompt(prompt),
                candidate => File.Exists(Path.Combine(folder, candidate + extension)));
            var path = Path.Combine(folder, stem + extension).Replace('\\', '/');
            File.Copy(asset.MainPath, path);
            var saved = new SavedRequest { Server = serverUrl, Request = request, AssetId = asset.AssetId, File = Path.GetFileName(path) };
            Files.WriteAtomically(SavedRequest.PathBeside(path), saved.ToJson());
            AssetDatabase.ImportAsset(path);
            AssetDatabase.ImportAsset(SavedRequest.PathBeside(path).Replace('\\', '/'));
            Apply(path, ImportProfile.For(asset.Info, asset.Plan));
            return path;
        }

        /// <summary>Applies an import profile to an audio file already in the project, and the Soundloom label.</summary>
        public static void Apply(string assetPath, ImportProfile profile)
        {
            var importer = (AudioImporter)AssetImporter.GetAtPath(assetPath);
            var settings = importer.defaultSampleSettings;
            settings.loadType = profile.Load == ClipLoad.Streaming ? AudioClipLoadType.Streaming
                : profile.Load == ClipLoad.CompressedInMemory ? AudioClipLoadType.CompressedInMemory
                : AudioClipLoadType.DecompressOnLoad;
            settings.compressionFormat = profile.Compression == ClipCompression.Vorbis ? AudioCompressionFormat.Vorbis
                : profile.Compression == ClipCompression.Adpcm ? AudioCompressionFormat.ADPCM
                : AudioCompressionFormat.PCM;
            settings.quality = profile.Quality;
            importer.defaultSampleSettings = settings;
            importer.loadInBackground = profile.LoadInBackground;
#if UNITY_2022_2_OR_NEWER
            settings.preloadAudioData = profile.PreloadAudioData;
            importer.defaultSampleSettings = settings;
#else
            importer.preloadAudioData = profile.PreloadAudioData;
#endif
            importer.SaveAndReimport();
            var asset = AssetDatabase.LoadMainAssetAtPath(assetPath);
            var labels = AssetDatabase.GetLabels(asset).ToList();
            if (!labels.Contains(Label)) { labels.Add(Label); AssetDatabase.SetLabels(asset, labels.ToArray()); }
        }

        /// <summary>Copies a built bank folder into the project and makes a SoundloomBank asset for it.</summary>
        public static Unity.SoundloomBank ImportBank(string bankFolder, string projectFolder)
        {
            var index = BankIndex.Load(bankFolder);
            var problems = index.Verify();
            if (problems.Count > 0) throw new InvalidDataException("bank " + bankFolder + ": " + string.Join("; ", problems.ToArray()));
            var target = Path.Combine(projectFolder, index.Name).Replace('\\', '/');
            Directory.CreateDirectory(target);
            File.Copy(Path.Combine(bankFolder, "bank.json"), Path.Combine(target, "bank.json"), true);
            foreach (var entry in index.Entries)
            foreach (var v in entry.Variations)
                File.Copy(index.PathOf(v), Path.Combine(target, v.File), true);
            AssetDatabase.Refresh();
            var clips = new List<AudioClip>();
            foreach (var entry in index.Entries)
            foreach (var v in entry.Variations)
            {
                var path = target + "/" + v.File;
                // Beds that SoundloomAmbience loops need readable samples: decompress them.
                Apply(path, entry.Loop ? ImportProfile.For(false, 0) : ImportProfile.For(entry.Kind == "ambience", v.DurationS));
                clips.Add(AssetDatabase.LoadAssetAtPath<AudioClip>(path));
            }
            var bankPath = target + "/" + index.Name + ".asset";
            var bank = AssetDatabase.LoadAssetAtPath<Unity.SoundloomBank>(bankPath);
            if (bank == null)
            {
                bank = ScriptableObject.CreateInstance<Unity.SoundloomBank>();
                AssetDatabase.CreateAsset(bank, bankPath);
            }
            bank.bankJson = AssetDatabase.LoadAssetAtPath<TextAsset>(target + "/bank.json");
            bank.clips = clips;
            bank.Reload();
            EditorUtility.SetDirty(bank);
            AssetDatabase.SaveAssets();
            return bank;
        }

        [MenuItem("Assets/Import Soundloom Bank...", false, 30)]
        static void ImportBankMenu()
        {
            var folder = EditorUtility.OpenFolderPanel("Bank folder (holds bank.json)", "", "");
            if (string.IsNullOrEmpty(folder)) return;
            try
            {
                var bank = ImportBank(folder, SoundloomSettings.Instance.importFolder);
                Selection.activeObject = bank;
            }
            catch (Exception ex)
            {
                EditorUtility.DisplayDialog("Soundloom", ex.Message, "OK");
            }
        }

        [MenuItem("Assets/Soundloom/Regenerate", true)]
        [MenuItem("Assets/Soundloom/Vary", true)]
        static bool HasSavedRequest()
        {
            var path = AssetDatabase.GetAssetPath(Selection.activeObject);
            return !string.IsNullOrEmpty(path) && File.Exists(SavedRequest.PathBeside(path));
        }

        [MenuItem("Assets/Soundloom/Regenerate")]
        static void Regenerate() { SoundloomWindow.OpenWith(SavedRequest.FromJson(File.ReadAllText(SavedRequest.PathBeside(AssetDatabase.GetAssetPath(Selection.activeObject)))), false); }

        [MenuItem("Assets/Soundloom/Vary")]
        static void Vary() { SoundloomWindow.OpenWith(SavedRequest.FromJson(File.ReadAllText(SavedRequest.PathBeside(AssetDatabase.GetAssetPath(Selection.activeObject)))), true); }
    }
}
