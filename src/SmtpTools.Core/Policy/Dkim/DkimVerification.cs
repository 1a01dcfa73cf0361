using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Policy.Dkim
{
    /// <summary>
    /// Verifies every DKIM-Signature of a message (RFC 6376 §6) and says in words why one fails: each signature's
    /// tags are checked here, its key fetched through our resolver, its body hash recomputed here (so "the body was
    /// modified" can be told apart from "a signed header changed"), and the signature itself checked by MimeKit.
    /// </summary>
    internal static class DkimVerification
    {
        private static readonly string[] Required = { "v", "a", "b", "bh", "d", "h", "s" };

        internal static async Task<IReadOnlyList<DkimSignatureResult>> VerifyAsync(byte[] message, string? source,
            IPolicyDns dns, DateTimeOffset now, CancellationToken cancellationToken)
        {
            RawMessage raw = RawMessage.Parse(message);
            List<string> fields = raw.Values("DKIM-Signature").ToList();
            if (fields.Count == 0)
            {
                return new[]
                {
                    new DkimSignatureResult(source, 0, DkimResult.None,
                        "The message has no DKIM-Signature header: nothing vouches for it, and DMARC can only pass " +
                        "through SPF.", null, null, null, null, Array.Empty<string>(), null, null, null, null, null, null,
                        false, null, null),
                };
            }

            var checks = new Check[fields.Count];
            for (int i = 0; i < fields.Count; i++)
            {
                checks[i] = await CheckAsync(fields[i], raw, dns, now, cancellationToken).ConfigureAwait(false);
            }

            // Only the signatures that got this far (tags sound, key usable, body intact) go to MimeKit.
            var keys = checks.Select(c => c.Outcome == null ? c.KeyRecord : null).ToList();
            (bool? Verified, string? Error)[] verified = keys.Any(k => k != null)
                ? DkimMimeAdapter.Verify(raw.Bytes, keys)
                : new (bool?, string?)[checks.Length];

            var results = new List<DkimSignatureResult>(checks.Length);
            for (int i = 0; i < checks.Length; i++)
            {
                Check c = checks[i];
                if (c.Outcome == null)
                {
                    (bool? ok, string? error) = verified[i];
                    c.SignatureVerifies = ok;
                    if (ok == true)
                    {
                        c.Outcome = DkimResult.Pass;
                        c.Reason = $"The signature of {c.Domain} (selector {c.Selector}) verifies: the body and the " +
                            $"signed headers ({string.Join(", ", c.Headers)}) are as signed." +
                            (c.Testing ? " The key is marked as testing (t=y)." : string.Empty);
                    }
                    else if (ok == false)
                    {
                        c.Outcome = DkimResult.Fail;
                        bool simpleHeaders = (c.Canonicalization ?? "simple").StartsWith("simple",
                            StringComparison.OrdinalIgnoreCase);
                        c.Reason = $"The body is as signed, but the signature over the headers does not verify with " +
                            $"the key of {c.Selector}._domainkey.{c.Domain}: a signed header ({string.Join(", ", c.Headers)}) " +
                            "was changed after signing, or the key does not belong to the signer." +
                            (simpleHeaders
                                ? " Its header canonicalization is simple, so even re-folded lines or changed spaces " +
                                  "in those headers break it."
                                : string.Empty);
                    }
                    else
                    {
                        c.Outcome = DkimResult.PermError;
                        c.Reason = $"The signature could not be checked: {error}";
                    }
                }
                results.Add(new DkimSignatureResult(source, i + 1, c.Outcome.Value, c.Reason!, c.Domain, c.Selector,
                    c.Algorithm, c.Canonicalization, c.Headers, c.Identity, c.Signed, c.Expires, c.Length, c.KeyType,
                    c.KeySize, c.Testing, c.BodyHashMatches, c.SignatureVerifies));
            }
            return results;
        }

        private static async Task<Check> CheckAsync(string field, RawMessage raw, IPolicyDns dns, DateTimeOffset now,
            CancellationToken cancellationToken)
        {
            var c = new Check();
            Dictionary<string, string>? tags = DkimTags.Parse(field, out string? syntax);
            if (tags == null) return c.Stop(DkimResult.PermError, $"The DKIM-Signature header is malformed: {syntax}");
            c.Domain = Get(tags, "d")?.ToLowerInvariant();
            c.Selector = Get(tags, "s");
            c.Algorithm = Get(tags, "a")?.ToLowerInvariant();
            c.Canonicalization = Get(tags, "c")?.ToLowerInvariant() ?? "simple/simple";
            c.Headers = (Get(tags, "h") ?? string.Empty).Split(':').Select(h => h.Trim()).Where(h => h.Length > 0)
                .ToArray();
            c.Identity = Get(tags, "i");
            c.Signed = Time(Get(tags, "t"));
            c.Expires = Time(Get(tags, "x"));
            if (long.TryParse(Get(tags, "l"), NumberStyles.None, CultureInfo.InvariantCulture, out long l)) c.Length = l;

            string[] missing = Required.Where(t => string.IsNullOrEmpty(Get(tags, t)) && t != "b").ToArray();
            if (!tags.ContainsKey("b")) missing = missing.Concat(new[] { "b" }).ToArray();
            if (missing.Length > 0)
            {
                return c.Stop(DkimResult.PermError,
                    $"The DKIM-Signature lacks the required tag(s) {string.Join(", ", missing.Select(m => m + "="))}.");
            }
            if (Get(tags, "v") != "1") return c.Stop(DkimResult.PermError, $"The DKIM-Signature has v={Get(tags, "v")}; only v=1 exists.");
            if (!c.Headers.Any(h => h.Equals("from", StringComparison.OrdinalIgnoreCase)))
            {
                return c.Stop(DkimResult.PermError, "The signature does not cover the From: header (h= must list it, RFC 6376 §5.4).");
            }
            bool sha1 = c.Algorithm == "rsa-sha1";
            string family;
            switch (c.Algorithm)
            {
                case "rsa-sha256": family = "rsa"; break;
                case "rsa-sha1": family = "rsa"; break;
                case "ed25519-sha256": family = "ed25519"; break;
                default:
                    return c.Stop(DkimResult.PermError,
                        $"The signature algorithm a={c.Algorithm} is not one a verifier knows (rsa-sha256, ed25519-sha256).");
            }
            string[] canon = c.Canonicalization.Split('/');
            if (canon.Any(x => x != "simple" && x != "relaxed") || canon.Length > 2)
            {
                return c.Stop(DkimResult.PermError, $"The canonicalization c={c.Canonicalization} is not simple or relaxed.");
            }
            bool relaxedBody = canon.Length == 2 && canon[1] == "relaxed";
            if (c.Identity != null)
            {
                int at = c.Identity.LastIndexOf('@');
                string idDomain = (at < 0 ? c.Identity : c.Identity.Substring(at + 1)).ToLowerInvariant();
                if (idDomain != c.Domain && !idDomain.EndsWith("." + c.Domain, StringComparison.Ordinal))
                {
                    return c.Stop(DkimResult.PermError,
                        $"The identity i={c.Identity} is not in the signing domain {c.Domain} (RFC 6376 §3.5).");
                }
            }
            if (c.Expires.HasValue && c.Expires.Value < now)
            {
                return c.Stop(DkimResult.PermError,
                    $"The signature expired at {c.Expires.Value:u} (x=); verifiers treat it as invalid.");
            }

            // The key, through our resolver (RFC 6376 §3.6.2.2: selector._domainkey.domain TXT).
            string keyName = $"{c.Selector}._domainkey.{c.Domain}";
            PolicyDnsAnswer answer = await dns.QueryPolicyAsync(keyName, PolicyRecordType.Txt, cancellationToken)
                .ConfigureAwait(false);
            if (answer.IsError)
            {
                return c.Stop(DkimResult.TempError, $"The key at {keyName} could not be fetched: {answer.Describe()}.");
            }
            List<string> records = answer.OfType().Select(r => r.Text).ToList();
            if (records.Count == 0)
            {
                return c.Stop(DkimResult.PermError,
                    $"No key is published at {keyName} ({(answer.IsNameError ? "NXDOMAIN" : "no TXT record")}): the " +
                    "selector is wrong, or the key was removed.");
            }
            string record = records[0];
            Dictionary<string, string>? key = DkimTags.Parse(record, out string? keyError);
            if (key == null) return c.Stop(DkimResult.PermError, $"The key record at {keyName} is malformed: {keyError}");
            if (key.TryGetValue("v", out string? kv) && kv != "DKIM1")
            {
                return c.Stop(DkimResult.PermError, $"The key record at {keyName} has v={kv}; it must be DKIM1.");
            }
            c.KeyType = (Get(key, "k") ?? "rsa").ToLowerInvariant();
            c.Testing = (Get(key, "t") ?? string.Empty).Split(':').Any(f => f.Trim() == "y");
            if (!key.TryGetValue("p", out string? p))
            {
                return c.Stop(DkimResult.PermError, $"The key record at {keyName} has no p= (public key).");
            }
            if (DkimTags.StripWhitespace(p).Length == 0)
            {
                return c.Stop(DkimResult.PermError,
                    $"The key at {keyName} is revoked (empty p=): the domain withdrew it, so signatures made with it no " +
                    "longer count.");
            }
            if (c.KeyType != family)
            {
                return c.Stop(DkimResult.PermError,
                    $"The key at {keyName} is a {c.KeyType} key, but the signature uses {c.Algorithm}.");
            }
            string? hashes = Get(key, "h");
            string hashName = sha1 ? "sha1" : "sha256";
            if (hashes != null && !hashes.Split(':').Any(h => h.Trim() == hashName))
            {
                return c.Stop(DkimResult.PermError, $"The key at {keyName} allows only h={hashes}, not {hashName}.");
            }
            c.KeyRecord = record;
            c.KeySize = DkimMimeAdapter.KeySize(record);
            if (c.KeySize == null)
            {
                return c.Stop(DkimResult.PermError, $"The public key at {keyName} cannot be read (p= is not a valid {c.KeyType} key).");
            }
            if (family == "rsa" && c.KeySize < 1024)
            {
                return c.Stop(DkimResult.PermError,
                    $"The key at {keyName} has {c.KeySize} bits; RFC 8301 requires at least 1024, and receivers ignore it.");
            }
            if (sha1)
            {
                return c.Stop(DkimResult.PermError,
                    "The signature uses rsa-sha1, which RFC 8301 retired: receivers treat it as invalid. Sign with rsa-sha256.");
            }

            string computed = DkimBodyHash.Compute(raw.Body, relaxedBody, sha1, c.Length);
            c.BodyHashMatches = computed == DkimTags.StripWhitespace(Get(tags, "bh")!);
            if (c.BodyHashMatches == false)
            {
                return c.Stop(DkimResult.Fail,
                    $"The body was modified after {c.Domain} signed it: its hash no longer matches bh= " +
                    $"({(relaxedBody ? "relaxed" : "simple")} body canonicalization" +
                    (c.Length.HasValue ? $", first {c.Length} bytes" : string.Empty) +
                    "). A footer or disclaimer added by a list or gateway, or re-encoding, does this.");
            }
            return c;
        }

        private static string? Get(Dictionary<string, string> tags, string name) =>
            tags.TryGetValue(name, out string? value) ? value : null;

        private static DateTimeOffset? Time(string? value) =>
            long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long seconds) && seconds < 253402300799
                ? DateTimeOffset.FromUnixTimeSeconds(seconds)
                : (DateTimeOffset?)null;

        private sealed class Check
        {
            internal DkimResult? Outcome;
            internal string? Reason;
            internal string? Domain;
            internal string? Selector;
            internal string? Algorithm;
            internal string? Canonicalization;
            internal string[] Headers = Array.Empty<string>();
            internal string? Identity;
            internal DateTimeOffset? Signed;
            internal DateTimeOffset? Expires;
            internal long? Length;
            internal string? KeyType;
            internal int? KeySize;
            internal bool Testing;
            internal string? KeyRecord;
            internal bool? BodyHashMatches;
            internal bool? SignatureVerifies;

            internal Check Stop(DkimResult outcome, string reason)
            {
                Outcome = outcome;
                Reason = reason;
                return this;
            }
        }
    }
}
