/**
 * The DNS server pebble's validation authority asks (pebble -dnsserver): it answers the lab hosts'
 * names with their addresses, so that HTTP-01 challenges reach the host itself. A lab host's name
 * answers A with its address and nothing else (no AAAA: pebble would try IPv6 first); any other
 * name is NXDOMAIN.
 */
import dgram from 'node:dgram';

const TYPE_A = 1;
const CLASS_IN = 1;
const RCODE_NXDOMAIN = 3;
const TTL_SECONDS = 5;

interface Question {
  name: string;
  type: number;
  /** the question section as received, copied into the answer */
  raw: Buffer;
}

/** The first question of a query, or null when the packet is not a well-formed query. */
export function parseQuestion(packet: Buffer): Question | null {
  if (packet.length < 12 || (packet[2]! & 0x80) !== 0 || packet.readUInt16BE(4) < 1) return null;
  const labels: string[] = [];
  let offset = 12;
  for (;;) {
    const length = packet[offset];
    if (length === undefined || length > 63) return null;
    offset += 1;
    if (length === 0) break;
    if (offset + length > packet.length) return null;
    labels.push(packet.toString('latin1', offset, offset + length));
    offset += length;
  }
  if (offset + 4 > packet.length) return null;
  const type = packet.readUInt16BE(offset);
  return { name: labels.join('.').toLowerCase(), type, raw: packet.subarray(12, offset + 4) };
}

/** The answer to `query` given where the names are (name -> IPv4 address). */
export function answerQuery(query: Buffer, addresses: ReadonlyMap<string, string>): Buffer | null {
  const question = parseQuestion(query);
  if (question === null) return null;
  const address = addresses.get(question.name);
  const answers: Buffer[] = [];
  if (address !== undefined && question.type === TYPE_A) {
    const record = Buffer.alloc(16);
    record.writeUInt16BE(0xc00c, 0); // the name: a pointer to the question's
    record.writeUInt16BE(TYPE_A, 2);
    record.writeUInt16BE(CLASS_IN, 4);
    record.writeUInt32BE(TTL_SECONDS, 6);
    record.writeUInt16BE(4, 10);
    address.split('.').forEach((octet, index) => record.writeUInt8(Number(octet), 12 + index));
    answers.push(record);
  }
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0);
  // a response (QR), authoritative (AA), the query's RD echoed; NXDOMAIN for a name it does not know
  header.writeUInt16BE(0x8400 | (query.readUInt16BE(2) & 0x0100) | (address === undefined ? RCODE_NXDOMAIN : 0), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(answers.length, 6);
  return Buffer.concat([header, question.raw, ...answers]);
}

/** Serves `lookup()` (read per query: hosts come and go) on UDP address:port. */
export function startChallengeDns(address: string, port: number, lookup: () => ReadonlyMap<string, string>, log: (line: string) => void): Promise<dgram.Socket> {
  const socket = dgram.createSocket('udp4');
  socket.on('message', (query, peer) => {
    try {
      const answer = answerQuery(query, lookup());
      if (answer !== null) socket.send(answer, peer.port, peer.address);
    } catch (error) {
      log(`dns ${peer.address}: ${(error as Error).message}`);
    }
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, address, () => resolve(socket));
  });
}
