using System;
using System.Collections.Concurrent;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Identity
{
    /// <summary>
    /// Tokens for the session (the process): one per flow's cache key, reused until about five minutes before they
    /// expire, so a long pipeline or a script that calls the cmdlets many times asks the provider rarely. One request
    /// at a time per key: connections that start together share the answer.
    /// </summary>
    internal static class AccessTokenCache
    {
        /// <summary>A token is renewed this long before it expires, so no connection starts with one about to
        /// lapse.</summary>
        internal static readonly TimeSpan RenewBefore = TimeSpan.FromMinutes(5);

        private static readonly ConcurrentDictionary<string, Entry> Entries =
            new ConcurrentDictionary<string, Entry>(StringComparer.Ordinal);

        private sealed class Entry
        {
            internal readonly SemaphoreSlim Gate = new SemaphoreSlim(1, 1);
            internal OAuthTokenResponse? Token;
        }

        /// <summary>A token for the flow: the cached one while it is good, else a new one.</summary>
        /// <param name="flow">The flow and its credential.</param>
        /// <param name="forceRefresh">Skip the cache (the server refused the cached token).</param>
        /// <param name="timeout">How long the request may take.</param>
        /// <param name="cancellationToken">Ctrl+C.</param>
        /// <returns>The token and whether it came from the cache.</returns>
        /// <exception cref="SmtpIdentityException">The provider refused or could not be reached.</exception>
        internal static async Task<(OAuthTokenResponse Token, bool FromCache)> GetAsync(OAuthTokenFlow flow,
            bool forceRefresh, TimeSpan timeout, CancellationToken cancellationToken)
        {
            Entry entry = Entries.GetOrAdd(flow.CacheKey, _ => new Entry());
            OAuthTokenResponse? known = Volatile.Read(ref entry.Token);
            if (!forceRefresh && IsFresh(known)) return (known!, true);

            await entry.Gate.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                OAuthTokenResponse? current = entry.Token;
                // Another connection renewed it while this one waited: that token is as new as a request would get.
                if (IsFresh(current) && (!forceRefresh || !ReferenceEquals(current, known))) return (current!, true);
                OAuthTokenResponse fresh = await flow.RequestAsync(timeout, cancellationToken).ConfigureAwait(false);
                flow.Accept(fresh);
                Volatile.Write(ref entry.Token, fresh);
                return (fresh, false);
            }
            finally
            {
                entry.Gate.Release();
            }
        }

        private static bool IsFresh(OAuthTokenResponse? token) =>
            token != null && token.ExpiresOn - RenewBefore > DateTimeOffset.UtcNow;

        /// <summary>Forgets every cached token (tests, and Get-SmtpAccessToken -ForceRefresh for one key).</summary>
        internal static void Clear() => Entries.Clear();
    }
}
