using System;
using System.Text.RegularExpressions;

namespace Soundloom
{
    /// <summary>
    /// A failure the server (or the client on its behalf) reported: the gRPC status name, the HTTP
    /// status and the server's message, which starts with the offending field's path
    /// ("scene.duration_s must be >= 0.0 ..."). One subclass per failure class.
    /// </summary>
    public class SoundloomException : Exception
    {
        static readonly Regex FieldAtStart = new Regex(@"^([A-Za-z_][A-Za-z0-9_]*(\[\d+\])?(\.[A-Za-z_][A-Za-z0-9_\-]*(\[\d+\])?)*) ");

        public SoundloomException(string status, int httpStatus, string message, Exception inner = null)
            : base(message, inner)
        {
            Status = status;
            HttpStatus = httpStatus;
        }

        /// <summary>The gRPC status name, e.g. INVALID_ARGUMENT.</summary>
        public string Status { get; private set; }

        /// <summary>The HTTP status the gateway answered with (0 when no answer came).</summary>
        public int HttpStatus { get; private set; }

        /// <summary>Seconds the server asked the client to wait before retrying (Retry-After), or null.</summary>
        public double? RetryAfterS { get; internal set; }

        /// <summary>The field path the message starts with ("events[2].pan"), or null.</summary>
        public string Field
        {
            get
            {
                var match = FieldAtStart.Match(Message ?? "");
                return match.Success && (match.Groups[1].Value.Contains(".") || match.Groups[1].Value.Contains("_")
                                         || Status == "INVALID_ARGUMENT")
                    ? match.Groups[1].Value
                    : null;
            }
        }

        /// <summary>The typed exception for a gRPC status name.</summary>
        public static SoundloomException For(string status, int httpStatus, string message)
        {
            switch (status)
            {
                case "INVALID_ARGUMENT": return new InvalidArgumentException(httpStatus, message);
                case "NOT_FOUND": return new NotFoundException(httpStatus, message);
                case "RESOURCE_EXHAUSTED": return new ResourceExhaustedException(httpStatus, message);
                case "UNAUTHENTICATED": return new UnauthenticatedException(httpStatus, message);
                case "DEADLINE_EXCEEDED": return new DeadlineExceededException(message);
                case "UNAVAILABLE": return new UnavailableException(httpStatus, message);
                case "CANCELLED": return new CancelledException(httpStatus, message);
                default: return new SoundloomException(status ?? "INTERNAL", httpStatus, message);
            }
        }

        /// <summary>The gRPC status name that an HTTP status stands for when the body has none.</summary>
        public static string StatusForHttp(int httpStatus)
        {
            switch (httpStatus)
            {
                case 400: return "INVALID_ARGUMENT";
                case 401: return "UNAUTHENTICATED";
                case 404: return "NOT_FOUND";
                case 413: case 429: return "RESOURCE_EXHAUSTED";
                case 499: return "CANCELLED";
                case 503: return "UNAVAILABLE";
                case 504: return "DEADLINE_EXCEEDED";
                default: return "INTERNAL";
            }
        }
    }

    /// <summary>A field out of range or malformed; <see cref="SoundloomException.Field"/> names it.</summary>
    public sealed class InvalidArgumentException : SoundloomException
    {
        public InvalidArgumentException(int httpStatus, string message) : base("INVALID_ARGUMENT", httpStatus, message) { }
    }

    /// <summary>Unknown asset, file, recipe or backend.</summary>
    public sealed class NotFoundException : SoundloomException
    {
        public NotFoundException(int httpStatus, string message) : base("NOT_FOUND", httpStatus, message) { }
    }

    /// <summary>Queue full (429: retried) or a request too large to ever fit (413: not retried).</summary>
    public sealed class ResourceExhaustedException : SoundloomException
    {
        public ResourceExhaustedException(int httpStatus, string message) : base("RESOURCE_EXHAUSTED", httpStatus, message) { }
    }

    /// <summary>Missing or wrong bearer token.</summary>
    public sealed class UnauthenticatedException : SoundloomException
    {
        public UnauthenticatedException(int httpStatus, string message) : base("UNAUTHENTICATED", httpStatus, message) { }
    }

    /// <summary>The call's deadline passed (on the client or the server).</summary>
    public sealed class DeadlineExceededException : SoundloomException
    {
        public DeadlineExceededException(string message, Exception inner = null) : base("DEADLINE_EXCEEDED", 504, message, inner) { }
    }

    /// <summary>The server could not be reached, is shutting down, or a backend cannot run there.</summary>
    public sealed class UnavailableException : SoundloomException
    {
        public UnavailableException(int httpStatus, string message, Exception inner = null) : base("UNAVAILABLE", httpStatus, message, inner) { }
    }

    /// <summary>The server reports the call cancelled (a caller's own cancellation is an OperationCanceledException).</summary>
    public sealed class CancelledException : SoundloomException
    {
        public CancelledException(int httpStatus, string message) : base("CANCELLED", httpStatus, message) { }
    }

    /// <summary>Bytes that do not match their sha256, or a file the client cannot read.</summary>
    public sealed class IntegrityException : SoundloomException
    {
        public IntegrityException(string message) : base("DATA_LOSS", 0, message) { }
    }
}
