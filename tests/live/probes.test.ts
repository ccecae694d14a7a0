// The probe commands run for real, by this machine's bash, against a listener, a closed port and a
// listener whose accept queue is full (the kernel then drops SYNs, as a NetworkPolicy drop does):
// what they print, and how each outcome is classified. The stand-in API server answers the same
// texts (tests/live/stand-in.ts), and these tests hold it to them.
import { execFile, spawn, type ChildProcess } from "child_process";
import * as net from "net";
import {
  classifyDns,
  classifyTcp,
  dnsProbeCommand,
  probeText,
  shellQuote,
  tcpProbeCommand,
  type ProbeOutput,
} from "../../verifier/live/probes";
import { tcpProbeOutput } from "./stand-in";

/** Runs an argv as exec would in the container: no shell around it. */
function run(argv: string[]): Promise<ProbeOutput> {
  return new Promise((resolve) => {
    // A probe's own failure is in what it prints; execFile's error adds nothing.
    execFile(argv[0], argv.slice(1), (_error, stdout, stderr) => resolve({ stdout, stderr, timedOut: false }));
  });
}

let listener: net.Server;
let listening: number;
let closed: number;
// A process that listens with a queue of one and never accepts: after two connections wait in
// its queue, the kernel drops further SYNs and a connect hangs until `timeout` ends it.
let stuck: ChildProcess;
let stuckPort: number;

beforeAll(async () => {
  listener = net.createServer((socket) => socket.end());
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  listening = (listener.address() as net.AddressInfo).port;
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  closed = (probe.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));

  stuck = spawn(process.execPath, [
    "-e",
    `const s = require("net").createServer();
     s.listen({ port: 0, host: "127.0.0.1", backlog: 1 }, () => {
       process.stdout.write(s.address().port + "\\n", () => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 60000));
     });`,
  ]);
  stuckPort = await new Promise<number>((resolve) =>
    stuck.stdout!.once("data", (d: Buffer) => resolve(Number(String(d).trim()))),
  );
  // Fill its queue.
  for (let i = 0; i < 2; i++) await run(tcpProbeCommand("127.0.0.1", stuckPort, 1));
});

afterAll(async () => {
  stuck.kill();
  await new Promise<void>((resolve) => listener.close(() => resolve()));
});

describe("the TCP probe, run by bash", () => {
  it("connects to a listener: probe-exit=0, nothing else", async () => {
    const output = await run(tcpProbeCommand("127.0.0.1", listening, 2));
    expect(output).toEqual({ stdout: "probe-exit=0\n", stderr: "", timedOut: false });
    expect(classifyTcp(output)).toBe("connected");
    expect(tcpProbeOutput("connect", "127.0.0.1", listening)).toBe(output.stdout);
  });

  it("is refused by a closed port: bash's two lines, then probe-exit=1", async () => {
    const output = await run(tcpProbeCommand("127.0.0.1", closed, 2));
    expect(output.stdout).toBe(
      `connect: connect: Connection refused\nconnect: line 1: /dev/tcp/127.0.0.1/${closed}: Connection refused\nprobe-exit=1\n`,
    );
    expect(classifyTcp(output)).toBe("refused");
    expect(tcpProbeOutput("refuse", "127.0.0.1", closed)).toBe(output.stdout);
    expect(probeText(output)).toBe(
      `connect: connect: Connection refused; connect: line 1: /dev/tcp/127.0.0.1/${closed}: Connection refused`,
    );
  });

  it("times out on a dropped SYN: probe-exit=124 after the timeout", async () => {
    const started = Date.now();
    // A fifth of a second (coreutils' timeout takes fractions; live mode passes whole seconds).
    const output = await run(tcpProbeCommand("127.0.0.1", stuckPort, 0.2));
    expect(output).toEqual({ stdout: "probe-exit=124\n", stderr: "", timedOut: false });
    expect(classifyTcp(output)).toBe("timed out");
    expect(tcpProbeOutput("drop", "127.0.0.1", stuckPort)).toBe(output.stdout);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
  });

  it("takes host and port as arguments, never as script text", () => {
    expect(tcpProbeCommand("10.244.0.11", 3306, 5)).toEqual([
      "bash",
      "-c",
      `timeout "$3" bash -c 'exec 3<>"/dev/tcp/$1/$2"' connect "$1" "$2" 2>&1; echo "probe-exit=$?"`,
      "probe",
      "10.244.0.11",
      "3306",
      "5",
    ]);
    expect(shellQuote(tcpProbeCommand("10.244.0.11", 3306, 5))).toBe(
      `bash -c 'timeout "$3" bash -c '\\''exec 3<>"/dev/tcp/$1/$2"'\\'' connect "$1" "$2" 2>&1; echo "probe-exit=$?"' probe 10.244.0.11 3306 5`,
    );
  });
});

describe("the DNS probe, run by bash and getent", () => {
  it("answers for a name the resolver knows: its address, then probe-exit=0", async () => {
    const output = await run(dnsProbeCommand("localhost", 2));
    expect(output.stdout).toMatch(/^(127\.0\.0\.1|::1)\s+localhost.*\nprobe-exit=0\n$/s);
    expect(classifyDns(output)).toBe("answered");
  });

  it("is told apart from a lookup that finds nothing: probe-exit=2", async () => {
    const output = await run(dnsProbeCommand("no-such-name.invalid", 2));
    expect(output.stdout).toBe("probe-exit=2\n");
    expect(classifyDns(output)).toBe("not found");
  });
});

describe("classification of what a probe printed", () => {
  const out = (stdout: string, stderr = "", timedOut = false): ProbeOutput => ({ stdout, stderr, timedOut });

  it.each([
    ["probe-exit=0\n", "connected"],
    ["probe-exit=124\n", "timed out"],
    [
      "connect: connect: Connection refused\nconnect: line 1: /dev/tcp/10.0.0.1/80: Connection refused\nprobe-exit=1\n",
      "refused",
    ],
    [
      "connect: connect: No route to host\nconnect: line 1: /dev/tcp/10.0.0.1/80: No route to host\nprobe-exit=1\n",
      "unreachable",
    ],
    ["connect: connect: Network is unreachable\nprobe-exit=1\n", "unreachable"],
    // bash missing, or the marker cut off: no verdict
    ["", "failed"],
    ["probe-exit=127\n", "failed"],
    ["probe-exit=0\nsomething after", "failed"],
  ])("%j is %s", (stdout, outcome) => {
    expect(classifyTcp(out(stdout))).toBe(outcome);
  });

  it.each([
    ["10.96.0.1       kubernetes.default.svc.cluster.local\nprobe-exit=0\n", "answered"],
    ["probe-exit=124\n", "timed out"],
    ["probe-exit=2\n", "not found"],
    ["bash: getent: command not found\nprobe-exit=127\n", "failed"],
  ])("DNS %j is %s", (stdout, outcome) => {
    expect(classifyDns(out(stdout))).toBe(outcome);
  });
});
