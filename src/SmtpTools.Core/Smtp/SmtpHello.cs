using System.Linq;
using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using System.Threading;
using System.Threading.Tasks;

namespace SmtpTools.Core.Smtp
{
    /// <summary>EHLO, with HELO for servers that do not know it, and the name the client gives.</summary>
    internal static class SmtpHello
    {
        /// <summary>Says EHLO (HELO after a 500/502) and returns what the server offers.</summary>
        /// <exception cref="SmtpCommandException">The server refused both, or is closing the session.</exception>
        internal static async Task<SmtpCapabilities> EhloAsync(SmtpWire wire, SmtpSessionOptions options,
            CancellationToken cancellationToken)
        {
            string name = options.ClientName ?? DefaultClientName(wire);
            SmtpReply reply = await wire.RunAsync(SmtpStage.Ehlo, options.Timeouts.Command,
                (_, ct) => wire.CommandAsync("EHLO " + name, ct), cancellationToken).ConfigureAwait(false);
            if (reply.Code == 250) return SmtpCapabilities.Parse(reply, true);
            // RFC 5321 §3.2 / §4.1.1.1: an old server answers EHLO with 500 or 502; fall back to HELO.
            if (reply.Code == 500 || reply.Code == 502)
            {
                SmtpReply helo = await wire.RunAsync(SmtpStage.Ehlo, options.Timeouts.Command,
                    (_, ct) => wire.CommandAsync("HELO " + name, ct), cancellationToken).ConfigureAwait(false);
                if (helo.Code == 250) return SmtpCapabilities.Parse(helo, false);
                reply = helo;
            }
            // RFC 5321 §3.8: 421 is the server shutting the session, not a verdict on the client name.
            throw wire.Contextualize(new SmtpCommandException(reply.Code == 421
                ? $"the server is closing the session ({reply.Code} {reply.Text})."
                : $"the server refused the client name '{name}' ({reply.Code} {reply.Text}).", SmtpStage.Ehlo, reply),
                SmtpStage.Ehlo);
        }

        private static string DefaultClientName(SmtpWire wire)
        {
            try
            {
                string host = System.Net.Dns.GetHostName();
                string domain = IPGlobalProperties.GetIPGlobalProperties().DomainName ?? string.Empty;
                string fqdn = host.IndexOf('.') >= 0 || domain.Length == 0 ? host : host + "." + domain.TrimStart('.');
                // RFC 5321 §4.1.1.1: the FQDN if there is one; a bare name is not a domain, so use an address literal.
                bool ldh = fqdn.All(c => c < 128 && (char.IsLetterOrDigit(c) || c == '-' || c == '.'));
                if (fqdn.IndexOf('.') > 0 && ldh)
                {
                    return fqdn;
                }
            }
            catch (System.Exception ex) when (ex is SocketException || ex is NetworkInformationException)
            {
            }
            IPAddress? local = wire.LocalEndPoint?.Address;
            if (local == null) return "[127.0.0.1]";
            if (local.IsIPv4MappedToIPv6) local = local.MapToIPv4();
            return local.AddressFamily == AddressFamily.InterNetworkV6 ? "[IPv6:" + local + "]" : "[" + local + "]";
        }
    }
}
