using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;
using SmtpTools.Core.Policy;

namespace SmtpTools.Core.Dns
{
    /// <summary>
    /// The queries of the mail-policy checks (TXT, PTR, TLSA, and A/AAAA/MX for SPF), through the same servers,
    /// timeout and retries as the router's, with a cache of their own for the run.
    /// </summary>
    /// <remarks>
    /// Kept apart from QueryAsync so the router's path stays as it is: these answers keep TXT strings, TLSA fields and
    /// the AD bit, which the router has no use for. Every query sets the DO bit (RFC 3225), because a validating
    /// resolver reports AD only to a client that asks for DNSSEC (RFC 6840 §5.7); DANE needs that bit, and the extra
    /// signatures cost nothing for unsigned zones.
    /// </remarks>
    internal sealed partial class DnsLookup : IPolicyDns
    {
        private readonly ConcurrentDictionary<string, Lazy<Task<PolicyDnsAnswer>>> _policyCache =
            new ConcurrentDictionary<string, Lazy<Task<PolicyDnsAnswer>>>(StringComparer.Ordinal);
        private object? _policyOptions;

        string IPolicyDns.ServerList => ServerList;

        /// <inheritdoc />
        public Task<PolicyDnsAnswer> QueryPolicyAsync(string name, PolicyRecordType type,
            CancellationToken cancellationToken)
        {
            string key = PolicyDnsAnswer.TypeName(type) + " " + name.ToLowerInvariant();
            Lazy<Task<PolicyDnsAnswer>> entry = _policyCache.GetOrAdd(key,
                _ => new Lazy<Task<PolicyDnsAnswer>>(() => QueryPolicyServerAsync(name, type, cancellationToken)));
            return entry.Value;
        }

        private async Task<PolicyDnsAnswer> QueryPolicyServerAsync(string name, PolicyRecordType type,
            CancellationToken cancellationToken)
        {
            await _inFlight.WaitAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                var client = (DnsClient.LookupClient)_client;
                DnsClient.QueryType queryType = type switch
                {
                    PolicyRecordType.A => DnsClient.QueryType.A,
                    PolicyRecordType.Aaaa => DnsClient.QueryType.AAAA,
                    PolicyRecordType.Mx => DnsClient.QueryType.MX,
                    PolicyRecordType.Txt => DnsClient.QueryType.TXT,
                    PolicyRecordType.Ptr => DnsClient.QueryType.PTR,
                    _ => DnsClient.QueryType.TLSA,
                };
                var options = (DnsClient.DnsQueryAndServerOptions)(_policyOptions ??= CreatePolicyOptions());
                var question = new DnsClient.DnsQuestion(name + ".", queryType);
                // The same probe as the router's queries, so a closed DNS port is said at once, not after timeouts.
                DnsClient.IDnsQueryResponse response = _probe == null
                    ? await client.QueryAsync(question, options, cancellationToken).ConfigureAwait(false)
                    : await _probe.RunAsync((servers, ct) => client.QueryServerAsync(NameServers(servers), question,
                        options, ct), cancellationToken).ConfigureAwait(false);
                var records = new List<PolicyRecord>();
                foreach (DnsClient.Protocol.DnsResourceRecord record in response.Answers)
                {
                    records.Add(ToPolicyRecord(record));
                }
                string? server = response.NameServer == null ? null : FormatServer(response.NameServer);
                return new PolicyDnsAnswer(name, type, (int)response.Header.ResponseCode, records,
                    response.Header.IsAuthenticData, server);
            }
            catch (DnsClient.DnsResponseException ex) when (!cancellationToken.IsCancellationRequested)
            {
                bool timedOut = ex.Code == DnsClient.DnsResponseCode.ConnectionTimeout ||
                    ex.InnerException is TimeoutException || ex.InnerException is OperationCanceledException;
                return PolicyNoAnswer(name, type, timedOut, ex);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested &&
                (ex is TimeoutException || ex is OperationCanceledException || ex is SocketException))
            {
                return PolicyNoAnswer(name, type, !(ex is SocketException), ex);
            }
            catch (ArgumentException ex) when (!cancellationToken.IsCancellationRequested)
            {
                // DnsClient refuses names it cannot put on the wire (a label over 63 octets, a space): such a name
                // cannot exist, which is what NXDOMAIN says.
                return new PolicyDnsAnswer(name, type, DnsAnswer.NxDomain, Array.Empty<PolicyRecord>(), false, null,
                    $"{name} is not a name DNS can be asked about: {ex.Message}");
            }
            catch (Exception) when (cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException(cancellationToken);
            }
            finally
            {
                _inFlight.Release();
            }
        }

        private PolicyDnsAnswer PolicyNoAnswer(string name, PolicyRecordType type, bool timedOut, Exception error)
        {
            DnsAnswer none = NoAnswer(name, DnsRecordType.Other, TimeSpan.Zero, timedOut, error);
            string message = none.FailureMessage!.Replace(" OTHER", " " + PolicyDnsAnswer.TypeName(type));
            return new PolicyDnsAnswer(name, type, -1, Array.Empty<PolicyRecord>(), false, none.NameServer, message,
                none.Failure);
        }

        private static DnsClient.NameServer[] NameServers(IReadOnlyList<IPEndPoint> servers)
        {
            var result = new DnsClient.NameServer[servers.Count];
            for (int i = 0; i < result.Length; i++) result[i] = new DnsClient.NameServer(servers[i]);
            return result;
        }

        private object CreatePolicyOptions()
        {
            var nameServers = new DnsClient.NameServer[_servers.Length];
            for (int i = 0; i < _servers.Length; i++) nameServers[i] = new DnsClient.NameServer(_servers[i]);
            return new DnsClient.DnsQueryAndServerOptions(nameServers)
            {
                Timeout = _timeout,
                Retries = _retries,
                UseTcpOnly = _tcpOnly,
                UseTcpFallback = true,
                ExtendedDnsBufferSize = _udpPayloadSize,
                RequestDnsSecRecords = true,
                UseCache = false,
                ThrowDnsErrors = false,
                ContinueOnEmptyResponse = false,
                ContinueOnDnsError = true,
                UseRandomNameServer = false,
                Recursion = true,
                EnableAuditTrail = false,
            };
        }

        private static PolicyRecord ToPolicyRecord(DnsClient.Protocol.DnsResourceRecord record)
        {
            string owner = Normalize(record.DomainName.Value);
            int ttl = record.TimeToLive;
            switch (record)
            {
                case DnsClient.Protocol.TxtRecord txt:
                    return new PolicyRecord(owner, PolicyRecordType.Txt, ttl, strings: txt.Text.ToArray());
                case DnsClient.Protocol.ARecord a:
                    return new PolicyRecord(owner, PolicyRecordType.A, ttl, address: a.Address);
                case DnsClient.Protocol.AaaaRecord aaaa:
                    return new PolicyRecord(owner, PolicyRecordType.Aaaa, ttl, address: aaaa.Address);
                case DnsClient.Protocol.MxRecord mx:
                    return new PolicyRecord(owner, PolicyRecordType.Mx, ttl, target: Normalize(mx.Exchange.Value),
                        preference: mx.Preference);
                case DnsClient.Protocol.PtrRecord ptr:
                    return new PolicyRecord(owner, PolicyRecordType.Ptr, ttl, target: Normalize(ptr.PtrDomainName.Value));
                case DnsClient.Protocol.TlsaRecord tlsa:
                    return new PolicyRecord(owner, PolicyRecordType.Tlsa, ttl, tlsa: new TlsaData(
                        (int)tlsa.CertificateUsage, (int)tlsa.Selector, (int)tlsa.MatchingType,
                        tlsa.CertificateAssociationData.ToArray()));
                default:
                    return new PolicyRecord(owner, null, ttl);
            }
        }
    }
}
