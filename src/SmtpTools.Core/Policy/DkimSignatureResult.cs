using System;

namespace SmtpTools
{
    /// <summary>A DKIM signature's verdict (RFC 8601 §2.7.1 result names).</summary>
    public enum DkimResult
    {
        /// <summary>The message has no DKIM signature.</summary>
        None,
        /// <summary>The signature verified.</summary>
        Pass,
        /// <summary>The signature did not verify: the message changed, or the key does not match.</summary>
        Fail,
        /// <summary>The key could not be fetched for now (DNS failure); try again later.</summary>
        TempError,
        /// <summary>The signature or its key is unusable: syntax, missing or revoked key, unsupported algorithm.</summary>
        PermError,
    }

    /// <summary>One DKIM-Signature of a message, verified against the key its selector publishes.</summary>
    public sealed class DkimSignatureResult
    {
        internal DkimSignatureResult(string? source, int index, DkimResult result, string reason, string? domain,
            string? selector, string? algorithm, string? canonicalization, string[] signedHeaders, string? identity,
            DateTimeOffset? signed, DateTimeOffset? expires, long? bodyLength, string? keyType, int? keySize,
            bool keyTesting, bool? bodyHashMatches, bool? signatureVerifies)
        {
            Source = source;
            Index = index;
            Result = result;
            Reason = reason;
            Domain = domain;
            Selector = selector;
            Algorithm = algorithm;
            Canonicalization = canonicalization;
            SignedHeaders = signedHeaders;
            Identity = identity;
            Signed = signed;
            Expires = expires;
            BodyLength = bodyLength;
            KeyType = keyType;
            KeySize = keySize;
            KeyTesting = keyTesting;
            BodyHashMatches = bodyHashMatches;
            SignatureVerifies = signatureVerifies;
        }

        /// <summary>The file the message came from, when it came from one.</summary>
        public string? Source { get; }

        /// <summary>1 for the topmost DKIM-Signature (the last added), 2 for the next, …; 0 when there is none.</summary>
        public int Index { get; }

        /// <summary>Pass, Fail, TempError, PermError, or None when the message is unsigned.</summary>
        public DkimResult Result { get; }

        /// <summary>Why, in words: what changed, or what is wrong with the key or the signature.</summary>
        public string Reason { get; }

        /// <summary>The signing domain (d=), the one DMARC aligns with the From: domain.</summary>
        public string? Domain { get; }

        /// <summary>The selector (s=): the key is published at selector._domainkey.domain.</summary>
        public string? Selector { get; }

        /// <summary>rsa-sha256, ed25519-sha256 or rsa-sha1 (a=).</summary>
        public string? Algorithm { get; }

        /// <summary>Header/body canonicalization (c=), e.g. relaxed/relaxed or simple/simple.</summary>
        public string? Canonicalization { get; }

        /// <summary>The header fields the signature covers (h=).</summary>
        public string[] SignedHeaders { get; }

        /// <summary>The agent or user identifier (i=), when given.</summary>
        public string? Identity { get; }

        /// <summary>When it was signed (t=).</summary>
        public DateTimeOffset? Signed { get; }

        /// <summary>When it expires (x=).</summary>
        public DateTimeOffset? Expires { get; }

        /// <summary>How many body bytes it covers (l=); null for the whole body.</summary>
        public long? BodyLength { get; }

        /// <summary>rsa or ed25519, from the key record (k=).</summary>
        public string? KeyType { get; }

        /// <summary>The public key's size in bits.</summary>
        public int? KeySize { get; }

        /// <summary>The key record says t=y: the domain is testing DKIM and verifiers may ignore failures.</summary>
        public bool KeyTesting { get; }

        /// <summary>Whether the body hash (bh=) matches the body received; null when not computed.</summary>
        public bool? BodyHashMatches { get; }

        /// <summary>Whether the signature over the headers verifies with the key; null when not tried.</summary>
        public bool? SignatureVerifies { get; }
    }
}
