/**
 * Test-only name resolution (loaded with `node --import`, or imported by a test): a DNS name with
 * several address records, as an operator gives two relays one name, without editing /etc/hosts
 * on a shared machine. FEDGRID_TEST_HOSTS="name=addr1,addr2;name2=addr" answers those names from
 * the list (in that order) in dns.lookup and dns.promises.lookup — what Node's net/tls (and so
 * https and fetch) and gRPC use; every other name resolves as usual.
 */
import dns from 'node:dns';
import net from 'node:net';
import process from 'node:process';

const table = new Map(
  (process.env.FEDGRID_TEST_HOSTS ?? '')
    .split(';')
    .filter(Boolean)
    .map((entry) => {
      const [name = '', list = ''] = entry.split('=');
      return [name.toLowerCase(), list.split(',').filter(Boolean)];
    }),
);

function answer(host, options) {
  const list = table.get(String(host).toLowerCase());
  if (!list) return undefined;
  const family = typeof options === 'number' ? options : (options?.family ?? 0);
  return list
    .map((address) => ({ address, family: net.isIP(address) }))
    .filter((a) => !family || a.family === family);
}

if (table.size && !dns.lookup.fedgridTestHosts) {
  const lookup = dns.lookup;
  const patched = function (host, options, callback) {
    if (typeof options === 'function') [callback, options] = [options, {}];
    const found = answer(host, options);
    if (!found) return lookup.call(this, host, options, callback);
    process.nextTick(() =>
      options?.all
        ? callback(null, found)
        : callback(null, found[0]?.address, found[0]?.family ?? 4),
    );
    return {};
  };
  patched.fedgridTestHosts = true;
  dns.lookup = patched;
  const plookup = dns.promises.lookup;
  dns.promises.lookup = async function (host, options) {
    const found = answer(host, options);
    if (!found) return plookup.call(this, host, options);
    return options?.all ? found : found[0];
  };
}
