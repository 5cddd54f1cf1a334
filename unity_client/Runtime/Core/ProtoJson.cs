// The proto3 JSON mapping for Newtonsoft.Json: 64-bit integers as strings, enums by name,
// non-finite doubles as "NaN"/"Infinity"/"-Infinity". Works with Newtonsoft.Json 6 (Debian's Mono)
// and 13 (Unity's com.unity.nuget.newtonsoft-json).
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Reflection;
using System.Runtime.Serialization;
using Newtonsoft.Json;

namespace Soundloom.V1
{
    /// <summary>Serializer settings and helpers for the gateway's proto3 JSON bodies.</summary>
    public static class ProtoJson
    {
        /// <summary>Settings every (de)serialisation of a Soundloom message uses.</summary>
        public static JsonSerializerSettings Settings()
        {
            var settings = new JsonSerializerSettings
            {
                NullValueHandling = NullValueHandling.Ignore,
                MissingMemberHandling = MissingMemberHandling.Ignore,
                FloatParseHandling = FloatParseHandling.Double,
            };
            settings.Converters.Add(new ProtoEnumConverter());
            return settings;
        }

        /// <summary>A message as compact proto3 JSON (proto field names).</summary>
        public static string Serialize(object message)
        {
            return JsonConvert.SerializeObject(message, Formatting.None, Settings());
        }

        /// <summary>A message parsed from proto3 JSON; unknown fields are ignored.</summary>
        public static T Deserialize<T>(string json)
        {
            return JsonConvert.DeserializeObject<T>(json, Settings());
        }
    }

    /// <summary>uint64/int64 fields: written as JSON strings, read from strings or numbers.</summary>
    public sealed class Int64StringConverter : JsonConverter
    {
        public override bool CanConvert(Type objectType)
        {
            var type = Nullable.GetUnderlyingType(objectType) ?? objectType;
            return type == typeof(long) || type == typeof(ulong);
        }

        public override object ReadJson(JsonReader reader, Type objectType, object existingValue,
            JsonSerializer serializer)
        {
            if (reader.TokenType == JsonToken.Null)
                return null;
            var type = Nullable.GetUnderlyingType(objectType) ?? objectType;
            var text = Convert.ToString(reader.Value, CultureInfo.InvariantCulture);
            if (type == typeof(ulong))
                return ulong.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
            return long.Parse(text, NumberStyles.Integer, CultureInfo.InvariantCulture);
        }

        public override void WriteJson(JsonWriter writer, object value, JsonSerializer serializer)
        {
            writer.WriteValue(Convert.ToString(value, CultureInfo.InvariantCulture));
        }
    }

    /// <summary>double fields: numbers, or the strings "NaN", "Infinity", "-Infinity".</summary>
    public sealed class ProtoDoubleConverter : JsonConverter
    {
        public override bool CanConvert(Type objectType)
        {
            var type = Nullable.GetUnderlyingType(objectType) ?? objectType;
            return type == typeof(double);
        }

        public override object ReadJson(JsonReader reader, Type objectType, object existingValue,
            JsonSerializer serializer)
        {
            if (reader.TokenType == JsonToken.Null)
                return null;
            if (reader.TokenType == JsonToken.String)
            {
                var text = (string)reader.Value;
                if (text == "NaN") return double.NaN;
                if (text == "Infinity") return double.PositiveInfinity;
                if (text == "-Infinity") return double.NegativeInfinity;
                return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            }
            return Convert.ToDouble(reader.Value, CultureInfo.InvariantCulture);
        }

        public override void WriteJson(JsonWriter writer, object value, JsonSerializer serializer)
        {
            var number = (double)value;
            if (double.IsNaN(number)) writer.WriteValue("NaN");
            else if (double.IsPositiveInfinity(number)) writer.WriteValue("Infinity");
            else if (double.IsNegativeInfinity(number)) writer.WriteValue("-Infinity");
            else writer.WriteValue(number);
        }
    }

    /// <summary>
    /// Enums by their proto value names ([EnumMember(Value = "EVENT_KIND_SFX")]); numbers are
    /// accepted too, and a name this client does not know reads as the zero (UNSPECIFIED) value,
    /// so a newer server never breaks an older client.
    /// </summary>
    public sealed class ProtoEnumConverter : JsonConverter
    {
        static readonly Dictionary<Type, Dictionary<string, object>> ByName =
            new Dictionary<Type, Dictionary<string, object>>();

        public override bool CanConvert(Type objectType)
        {
            var type = Nullable.GetUnderlyingType(objectType) ?? objectType;
            return type.IsEnum && type.Namespace == "Soundloom.V1";
        }

        /// <summary>The proto name of an enum value (its EnumMember value).</summary>
        public static string NameOf(object value)
        {
            var field = value.GetType().GetField(value.ToString());
            if (field == null)
                return Convert.ToInt32(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture);
            var member = (EnumMemberAttribute)Attribute.GetCustomAttribute(field, typeof(EnumMemberAttribute));
            return member != null ? member.Value : value.ToString();
        }

        static Dictionary<string, object> Names(Type type)
        {
            lock (ByName)
            {
                Dictionary<string, object> names;
                if (ByName.TryGetValue(type, out names))
                    return names;
                names = new Dictionary<string, object>(StringComparer.Ordinal);
                foreach (var field in type.GetFields(BindingFlags.Public | BindingFlags.Static))
                {
                    var value = field.GetValue(null);
                    names[NameOf(value)] = value;
                }
                ByName[type] = names;
                return names;
            }
        }

        public override object ReadJson(JsonReader reader, Type objectType, object existingValue,
            JsonSerializer serializer)
        {
            if (reader.TokenType == JsonToken.Null)
                return null;
            var type = Nullable.GetUnderlyingType(objectType) ?? objectType;
            if (reader.TokenType == JsonToken.Integer)
                return Enum.ToObject(type, Convert.ToInt32(reader.Value, CultureInfo.InvariantCulture));
            object value;
            if (Names(type).TryGetValue((string)reader.Value, out value))
                return value;
            return Enum.ToObject(type, 0);
        }

        public override void WriteJson(JsonWriter writer, object value, JsonSerializer serializer)
        {
            writer.WriteValue(NameOf(value));
        }
    }
}
