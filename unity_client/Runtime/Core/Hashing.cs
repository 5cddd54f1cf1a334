using System;
using System.IO;
using System.Security.Cryptography;
using System.Text;

namespace Soundloom
{
    /// <summary>sha256 as 64 lowercase hex digits, the form the server's content addresses use.</summary>
    public static class Hashing
    {
        public static string Sha256(byte[] data)
        {
            using (var sha = SHA256.Create())
                return Hex(sha.ComputeHash(data));
        }

        public static string Sha256(string text) { return Sha256(Encoding.UTF8.GetBytes(text)); }

        public static string FileSha256(string path)
        {
            using (var sha = SHA256.Create())
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16))
                return Hex(sha.ComputeHash(stream));
        }

        public static bool IsSha256Hex(string text)
        {
            if (text == null || text.Length != 64) return false;
            foreach (var c in text)
                if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
            return true;
        }

        static string Hex(byte[] hash)
        {
            var builder = new StringBuilder(hash.Length * 2);
            foreach (var b in hash) builder.Append(b.ToString("x2"));
            return builder.ToString();
        }
    }

    /// <summary>File operations that never leave half a file under the final name.</summary>
    public static class Files
    {
        /// <summary>Writes through a temporary file in the same folder, then renames it into place.</summary>
        public static void WriteAtomically(string path, byte[] data)
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path));
            Directory.CreateDirectory(directory);
            var temp = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
                {
                    stream.Write(data, 0, data.Length);
                    stream.Flush(true);
                }
                MoveReplacing(temp, path);
            }
            finally
            {
                if (File.Exists(temp)) File.Delete(temp);
            }
        }

        public static void WriteAtomically(string path, string text) { WriteAtomically(path, new UTF8Encoding(false).GetBytes(text)); }

        /// <summary>Renames source over destination (a rename on the same volume; replaces an existing file).</summary>
        public static void MoveReplacing(string source, string destination)
        {
            if (File.Exists(destination))
            {
                try
                {
                    File.Replace(source, destination, null);
                    return;
                }
                catch (PlatformNotSupportedException) { }
                catch (IOException) { }
                File.Delete(destination);
            }
            File.Move(source, destination);
        }
    }
}
