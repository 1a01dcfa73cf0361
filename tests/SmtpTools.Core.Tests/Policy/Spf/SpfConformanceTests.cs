using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Net;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Policy;
using SmtpTools.Core.Policy.Spf;
using Xunit;

namespace SmtpTools.Core.Tests.Policy.Spf
{
    /// <summary>
    /// The openspf RFC 7208 test suite against <see cref="SpfEvaluator"/>, each document's zones served by
    /// <see cref="SuiteZone"/> (see README.md beside this file for how the data was converted and served).
    /// </summary>
    public sealed class SpfConformanceTests
    {
        // Cases where we knowingly give another answer than the suite, and why. Each must still disagree, so the
        // list cannot go stale.
        private static readonly Dictionary<string, string> Deviations = new Dictionary<string, string>
        {
        };

        private static readonly Lazy<List<JsonElement>> Documents = new Lazy<List<JsonElement>>(() =>
        {
            string path = Path.Combine(AppContext.BaseDirectory, "Policy", "Spf", "rfc7208-tests.json");
            using JsonDocument json = JsonDocument.Parse(File.ReadAllText(path));
            return json.RootElement.EnumerateArray().Select(d => d.Clone()).ToList();
        });

        public static IEnumerable<object[]> Cases()
        {
            for (int d = 0; d < Documents.Value.Count; d++)
            {
                foreach (JsonProperty test in Documents.Value[d].GetProperty("tests").EnumerateObject())
                {
                    yield return new object[] { d, test.Name };
                }
            }
        }

        [Theory]
        [MemberData(nameof(Cases))]
        public async Task CheckHost_SuiteCase_GivesAllowedResult(int document, string name)
        {
            JsonElement doc = Documents.Value[document];
            JsonElement test = doc.GetProperty("tests").GetProperty(name);
            var zone = new SuiteZone(doc.GetProperty("zonedata"));
            var evaluator = new SpfEvaluator(zone);
            string helo = test.GetProperty("helo").GetString()!;
            string mailFrom = test.GetProperty("mailfrom").GetString()!;
            IPAddress host = IPAddress.Parse(test.GetProperty("host").GetString()!);
            string domain = mailFrom.Length == 0 ? helo : mailFrom.Substring(mailFrom.LastIndexOf('@') + 1);

            SpfCheckResult result = await evaluator.CheckHostAsync(host, domain, mailFrom, helo, CancellationToken.None);

            JsonElement expected = test.GetProperty("result");
            string[] allowed = expected.ValueKind == JsonValueKind.Array
                ? expected.EnumerateArray().Select(e => e.GetString()!).ToArray()
                : new[] { expected.GetString()! };
            string got = result.Result.ToString().ToLowerInvariant();
            bool resultOk = allowed.Contains(got);
            bool explanationOk = true;
            string? wantedExplanation = null;
            if (resultOk && test.TryGetProperty("explanation", out JsonElement exp))
            {
                // "DEFAULT" is the checker's own text, given when the record has no usable exp=; ours is none.
                // The suite compares explanations without regard to case (its v-macro-ip6 case shows upper-case hex).
                wantedExplanation = exp.GetString();
                explanationOk = wantedExplanation == "DEFAULT"
                    ? result.Explanation == null
                    : string.Equals(result.Explanation, wantedExplanation, StringComparison.OrdinalIgnoreCase);
            }
            string trace = string.Join("\n", result.Trace.Select(s => s.ToString()));
            string describe = $"{name}: got {got} ({result.Reason}), explanation '{result.Explanation}'; suite allows " +
                $"{string.Join("/", allowed)}" + (wantedExplanation == null ? "" : $", explanation '{wantedExplanation}'") +
                $"\n{trace}";
            if (Deviations.TryGetValue(name, out string? why))
            {
                Assert.False(resultOk && explanationOk, $"{name} now passes: remove it from Deviations ({why}).");
                return;
            }
            Assert.True(resultOk && explanationOk, describe);
        }

        /// <summary>A document's zonedata served as pyspf's test driver serves it.</summary>
        private sealed class SuiteZone : IPolicyDns
        {
            private readonly Dictionary<string, List<(string Type, JsonElement Value)?>> _names =
                new Dictionary<string, List<(string, JsonElement)?>>(StringComparer.OrdinalIgnoreCase);

            internal SuiteZone(JsonElement zonedata)
            {
                foreach (JsonProperty name in zonedata.EnumerateObject())
                {
                    var entries = new List<(string, JsonElement)?>();
                    var spf = new List<JsonElement>();
                    bool hasTxt = false;
                    foreach (JsonElement entry in name.Value.EnumerateArray())
                    {
                        if (entry.ValueKind == JsonValueKind.String)
                        {
                            entries.Add(null); // TIMEOUT
                            continue;
                        }
                        JsonProperty record = entry.EnumerateObject().First();
                        if (record.Name == "TXT") hasTxt = true;
                        if (record.Name == "SPF")
                        {
                            spf.Add(record.Value);
                            continue;
                        }
                        if (record.Value.ValueKind == JsonValueKind.String && record.Value.GetString() == "NONE") continue;
                        entries.Add((record.Name, record.Value));
                    }
                    // RFC 7208 dropped type SPF; the driver serves SPF data as TXT unless the name has TXT of its own.
                    if (!hasTxt) entries.AddRange(spf.Select(v => ((string, JsonElement)?)("TXT", v)));
                    _names[name.Name.TrimEnd('.')] = entries;
                }
            }

            public string ServerList => "test suite zone";

            public Task<PolicyDnsAnswer> QueryPolicyAsync(string name, PolicyRecordType type,
                CancellationToken cancellationToken) => Task.FromResult(Query(name.TrimEnd('.'), type, 0));

            private PolicyDnsAnswer Query(string name, PolicyRecordType type, int depth)
            {
                if (!_names.TryGetValue(name, out var entries))
                {
                    return new PolicyDnsAnswer(name, type, 3, Array.Empty<PolicyRecord>(), false, ServerList);
                }
                string wanted = PolicyDnsAnswer.TypeName(type);
                var records = new List<PolicyRecord>();
                foreach ((string Type, JsonElement Value)? entry in entries)
                {
                    if (entry == null)
                    {
                        if (records.Count > 0) break;
                        return new PolicyDnsAnswer(name, type, -1, Array.Empty<PolicyRecord>(), false, ServerList,
                            $"No answer for {name} {wanted} (the suite's TIMEOUT).", DnsFailureKind.Timeout);
                    }
                    (string recordType, JsonElement value) = entry.Value;
                    if (recordType == "CNAME" && depth < 8)
                    {
                        return Query(value.GetString()!.TrimEnd('.'), type, depth + 1);
                    }
                    if (recordType != wanted) continue;
                    records.Add(type switch
                    {
                        PolicyRecordType.Txt => new PolicyRecord(name, type, 300, strings: value.ValueKind ==
                            JsonValueKind.Array ? value.EnumerateArray().Select(s => s.GetString()!).ToArray()
                            : new[] { value.GetString()! }),
                        PolicyRecordType.Mx => new PolicyRecord(name, type, 300,
                            target: value[1].GetString()!.TrimEnd('.').ToLowerInvariant(),
                            preference: value[0].GetInt32()),
                        PolicyRecordType.Ptr => new PolicyRecord(name, type, 300,
                            target: value.GetString()!.TrimEnd('.').ToLowerInvariant()),
                        _ => new PolicyRecord(name, type, 300, address: IPAddress.Parse(value.GetString()!)),
                    });
                }
                return new PolicyDnsAnswer(name, type, 0, records, false, ServerList);
            }
        }
    }
}
