// The hand-written models (Runtime/Core/Models.cs) against the proto: every message the gateway
// carries has a class with one property per field, under the proto field name, of the matching
// type; every enum has the proto's value names and numbers. The contract comes from the generated
// descriptor (unity_client/ci/proto_contract.py writes it to $SOUNDLOOM_TEST_CONTRACT).
using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Serialization;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NUnit.Framework;
using Soundloom.V1;

namespace Soundloom.Tests
{
    [TestFixture]
    public class ProtoContractTests
    {
        /// <summary>Messages that only the gRPC stream carries; the gateway never sends or takes them as JSON.</summary>
        static readonly HashSet<string> StreamOnly = new HashSet<string>
        {
            "GenerateSceneResponse", "DataChunk", "GetAssetRequest", "AssetChunk", "StatAssetRequest", "ListBackendsRequest",
            // Upload RPCs: over HTTP their header fields are query parameters, never a JSON body.
            "ContinueClipHeader", "ContinueClipRequest", "DubVideoHeader", "DubVideoRequest",
        };

        static JObject Contract()
        {
            return JObject.Parse(File.ReadAllText(TestEnv.Require("SOUNDLOOM_TEST_CONTRACT")));
        }

        static Type ModelType(string name)
        {
            return typeof(AssetInfo).Assembly.GetType("Soundloom.V1." + name);
        }

        [Test]
        public void EveryMessageFieldHasAMatchingProperty()
        {
            var problems = new List<string>();
            foreach (var message in (JObject)Contract()["messages"])
            {
                if (StreamOnly.Contains(message.Key)) continue;
                var type = ModelType(message.Key);
                if (type == null) { problems.Add(message.Key + ": no class Soundloom.V1." + message.Key); continue; }
                var properties = type.GetProperties()
                    .Select(p => new { Property = p, Json = (JsonPropertyAttribute)Attribute.GetCustomAttribute(p, typeof(JsonPropertyAttribute)) })
                    .Where(p => p.Json != null)
                    .ToDictionary(p => p.Json.PropertyName, p => p.Property);
                var fields = (JArray)message.Value;
                foreach (JObject field in fields)
                {
                    var name = (string)field["name"];
                    PropertyInfo property;
                    if (!properties.TryGetValue(name, out property)) { problems.Add(message.Key + "." + name + ": no property"); continue; }
                    var problem = TypeProblem(field, property);
                    if (problem != null) problems.Add(message.Key + "." + name + ": " + problem);
                }
                var names = new HashSet<string>(fields.Select(f => (string)f["name"]));
                foreach (var extra in properties.Keys.Where(k => !names.Contains(k)))
                    problems.Add(message.Key + "." + extra + ": not in the proto");
            }
            Assert.That(problems, Is.Empty, string.Join("\n", problems.ToArray()));
        }

        static string TypeProblem(JObject field, PropertyInfo property)
        {
            var type = property.PropertyType;
            if ((bool)field["map"])
            {
                if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(Dictionary<,>) || type.GetGenericArguments()[0] != typeof(string))
                    return "a map must be Dictionary<string, V>, is " + type.Name;
                return ElementProblem(field, type.GetGenericArguments()[1], property, false);
            }
            if ((bool)field["repeated"])
            {
                if (!type.IsGenericType || type.GetGenericTypeDefinition() != typeof(List<>))
                    return "a repeated field must be List<T>, is " + type.Name;
                return ElementProblem(field, type.GetGenericArguments()[0], property, false);
            }
            return ElementProblem(field, type, property, (bool)field["presence"]);
        }

        static string ElementProblem(JObject field, Type type, PropertyInfo property, bool presence)
        {
            var kind = (string)field["type"];
            var typeName = (string)field["type_name"];
            var underlying = Nullable.GetUnderlyingType(type);
            if (kind == "message")
                return type == ModelType(typeName) ? null : "must be " + typeName + ", is " + type.Name;
            if (kind == "string")
                return type == typeof(string) ? null : "must be string, is " + type.Name;
            // Scalars and enums: nullable exactly when the proto gives the field presence.
            if (presence != (underlying != null))
                return presence ? "has presence in the proto (oneof/optional): must be nullable" : "has no presence: must not be nullable";
            var bare = underlying ?? type;
            var converter = (JsonConverterAttribute)Attribute.GetCustomAttribute(property, typeof(JsonConverterAttribute));
            var converterType = converter == null ? null : converter.ConverterType;
            switch (kind)
            {
                case "double":
                    if (bare != typeof(double)) return "must be double";
                    return converterType == typeof(ProtoDoubleConverter) ? null : "needs [JsonConverter(typeof(ProtoDoubleConverter))] (NaN/Infinity as strings)";
                case "uint64":
                case "int64":
                    if (bare != (kind == "uint64" ? typeof(ulong) : typeof(long))) return "must be " + (kind == "uint64" ? "ulong" : "long");
                    return converterType == typeof(Int64StringConverter) ? null : "needs [JsonConverter(typeof(Int64StringConverter))] (64-bit integers are JSON strings)";
                case "uint32": return bare == typeof(uint) ? null : "must be uint";
                case "int32": return bare == typeof(int) ? null : "must be int";
                case "bool": return bare == typeof(bool) ? null : "must be bool";
                case "enum": return bare == ModelType(typeName) ? null : "must be enum " + typeName;
                default: return "type " + kind + " has no C# mapping here";
            }
        }

        [Test]
        public void EveryEnumHasTheProtoValues()
        {
            var problems = new List<string>();
            foreach (var pair in (JObject)Contract()["enums"])
            {
                var type = ModelType(pair.Key);
                if (type == null || !type.IsEnum) { problems.Add(pair.Key + ": no enum Soundloom.V1." + pair.Key); continue; }
                var csharp = type.GetFields(BindingFlags.Public | BindingFlags.Static).ToDictionary(
                    f => ((EnumMemberAttribute)Attribute.GetCustomAttribute(f, typeof(EnumMemberAttribute)) ?? new EnumMemberAttribute { Value = "?" + f.Name }).Value,
                    f => Convert.ToInt32(f.GetValue(null)));
                var proto = ((JArray)pair.Value).ToDictionary(v => (string)v["name"], v => (int)v["number"]);
                foreach (var value in proto)
                {
                    int number;
                    if (!csharp.TryGetValue(value.Key, out number)) problems.Add(pair.Key + "." + value.Key + ": missing");
                    else if (number != value.Value) problems.Add(pair.Key + "." + value.Key + ": " + number + " != " + value.Value);
                }
                foreach (var extra in csharp.Keys.Where(k => !proto.ContainsKey(k))) problems.Add(pair.Key + "." + extra + ": not in the proto");
            }
            Assert.That(problems, Is.Empty, string.Join("\n", problems.ToArray()));
        }

        [Test]
        public void AnEditedPlanKeepsFieldsThisClientDoesNotKnow()
        {
            var plan = ProtoJson.Deserialize<ScenePlan>("{\"duration_s\": 4, \"events\": [{\"id\": \"a\", \"kind\": \"EVENT_KIND_SFX\", \"from_the_future\": {\"x\": 1}}], \"also_new\": [1]}");
            plan.Events[0].GainDb = -3;
            var json = ProtoJson.Serialize(plan);
            StringAssert.Contains("\"from_the_future\":{\"x\":1}", json);
            StringAssert.Contains("\"also_new\":[1]", json);
            StringAssert.Contains("\"gain_db\":-3", json);
        }
    }
}
