/**
 * `nbbuild openshift build`: makes sure each dependency image exists (waits for the build that
 * creates it, or starts one), then starts each step's build (POST buildconfigs/NAME/instantiate)
 * unless the cluster already runs one (a new dependency image triggers them) — or, with
 * `triggered`, takes the builds a git push started — and waits for them, streaming
 * their logs prefixed by step. A failed build is an error naming the step, the reason and the log.
 */
import { NbbuildError, type Problem } from "../errors.js";
import { loadPlan } from "../readers.js";
import type { Plan } from "../plan/types.js";
import { Cluster, explainApiError, KubeApiError, type ConnectOptions } from "./kube.js";
import { planNames } from "./names.js";

const BUILD_API = "build.openshift.io/v1";
const IMAGE_API = "image.openshift.io/v1";
/** Label OpenShift puts on every build of a BuildConfig. */
const BUILD_CONFIG_LABEL = "openshift.io/build-config.name";
const BUILD_NUMBER = "openshift.io/build.number";
const DONE = new Set(["Complete", "Failed", "Error", "Cancelled"]);

export interface BuildOptions extends ConnectOptions {
  /** Stream each build's log, prefixed by its step. */
  follow?: boolean;
  /** Do not start step builds: wait for the latest ones (those a git push triggered). */
  triggered?: boolean;
  /** Only these steps (default: all). */
  steps?: string[];
  /** Poll interval and overall limit. */
  pollMs?: number;
  timeoutMs?: number;
  onStatus?: (line: string) => void;
  onLog?: (subject: string, line: string) => void;
}

/** One finished build. */
export interface BuildOutcome {
  subject: string;
  build: string;
  phase: string;
}

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The builds of a BuildConfig, newest (highest build number) first. */
async function buildsOf(cluster: Cluster, buildConfig: string): Promise<Obj[]> {
  const list = await cluster.request<Obj>("GET", `${cluster.ns(BUILD_API, "builds")}?labelSelector=${encodeURIComponent(`${BUILD_CONFIG_LABEL}=${buildConfig}`)}`);
  const number = (b: Obj) => Number(b.metadata?.annotations?.[BUILD_NUMBER] ?? 0);
  return ((list.items ?? []) as Obj[]).sort((a, b) => number(b) - number(a));
}

/** Starts a build of `buildConfig` and returns its name. */
async function instantiate(cluster: Cluster, buildConfig: string): Promise<string> {
  const request = {
    kind: "BuildRequest",
    apiVersion: BUILD_API,
    metadata: { name: buildConfig },
    triggeredBy: [{ message: "Manually triggered by nbbuild openshift build" }],
  };
  const build = await cluster.request<Obj>("POST", cluster.ns(BUILD_API, "buildconfigs", buildConfig, "instantiate"), request);
  return build.metadata.name as string;
}

async function imageStreamTagExists(cluster: Cluster, name: string): Promise<boolean> {
  try {
    await cluster.request("GET", cluster.ns(IMAGE_API, "imagestreamtags", name));
    return true;
  } catch (e) {
    if (e instanceof KubeApiError && e.status === 404) return false;
    throw e;
  }
}

/** Waits for one build to finish, streaming its log once it runs (with `follow`). */
async function waitForBuild(cluster: Cluster, subject: string, build: string, opts: BuildOptions, deadline: number): Promise<Obj> {
  let log: Promise<void> | undefined;
  let lastPhase = "";
  for (;;) {
    const b = await cluster.request<Obj>("GET", cluster.ns(BUILD_API, "builds", build));
    const phase = String(b.status?.phase ?? "New");
    if (phase !== lastPhase) opts.onStatus?.(`${subject}: build ${build} ${phase}`);
    lastPhase = phase;
    if (opts.follow && !log && (phase === "Running" || DONE.has(phase))) {
      // follow=true: the server keeps the response open until the build ends.
      log = cluster.streamLines(`${cluster.ns(BUILD_API, "builds", build, "log")}?follow=true`, (l) => opts.onLog?.(subject, l), Math.max(1000, deadline - Date.now()))
        .catch((e: unknown) => opts.onStatus?.(`${subject}: log of ${build} unavailable: ${(e as Error).message}`));
    }
    if (DONE.has(phase)) {
      await log;
      return b;
    }
    if (Date.now() > deadline) {
      throw NbbuildError.at({ file: `build ${build}` }, `${subject}: build ${build} still ${phase} after the time limit`,
        `wait longer (--timeout) or look at it: oc describe build/${build} -n ${cluster.namespace}`);
    }
    await sleep(opts.pollMs ?? 2000);
  }
}

function failure(plan: Plan, cluster: Cluster, subject: string, b: Obj): Problem {
  const name = b.metadata.name as string;
  const reason = [b.status?.reason, b.status?.message].filter(Boolean).join(": ");
  const snippet = typeof b.status?.logSnippet === "string" && b.status.logSnippet ? `\n  last log lines:\n    ${b.status.logSnippet.split("\n").join("\n    ")}` : "";
  return {
    location: { file: plan.source.file },
    message: `${subject}: build ${name} ${String(b.status?.phase)}${reason ? ` (${reason})` : ""}${snippet}`,
    fix: `read the whole log: oc logs build/${name} -n ${cluster.namespace}`,
  };
}

/** Builds (or waits for) the plan's images on the cluster; throws naming every failed step. */
export async function buildOnCluster(file: string, opts: BuildOptions = {}): Promise<BuildOutcome[]> {
  const plan = await loadPlan(file);
  const cluster = Cluster.connect(opts);
  const names = planNames(plan.name);
  const deadline = Date.now() + (opts.timeoutMs ?? 60 * 60_000);
  const unknown = (opts.steps ?? []).filter((s) => !plan.steps.some((p) => p.name === s));
  if (unknown.length) {
    throw NbbuildError.at({ file: plan.source.file }, `no step named ${unknown.join(", ")}`, `steps: ${plan.steps.map((s) => s.name).join(", ")}`);
  }
  const steps = plan.steps.filter((s) => !opts.steps?.length || opts.steps.includes(s.name));
  const say = (l: string) => opts.onStatus?.(l);
  const api = async <T>(what: string, f: () => Promise<T>): Promise<T> => {
    try {
      return await f();
    } catch (e) {
      throw explainApiError(e, what, cluster.namespace);
    }
  };

  // The dependency images the step builds start from, read from the step BuildConfigs on the cluster.
  const stepConfigs = await Promise.all(steps.map((s) => api(`reading BuildConfig ${names.step(s.name)}`,
    () => cluster.request<Obj>("GET", cluster.ns(BUILD_API, "buildconfigs", names.step(s.name))))));
  const problems: Problem[] = [];
  const outcomes: BuildOutcome[] = [];
  if (!opts.triggered) {
    const depsTags = [...new Set(stepConfigs.map((bc) => bc.spec?.strategy?.sourceStrategy?.from).filter((f) => f?.kind === "ImageStreamTag").map((f) => String(f.name)))];
    await Promise.all(depsTags.map(async (tag) => {
      if (!tag.startsWith(`${names.depsStream}:`)) return;
      if (await api(`reading ImageStreamTag ${tag}`, () => imageStreamTagExists(cluster, tag))) return;
      const bc = names.depsBuildConfig(tag.slice(names.depsStream.length + 1));
      const subject = `deps ${tag.split(":")[1]}`;
      // The ConfigChange trigger usually started it already: wait for that one rather than queue another.
      const latest = (await api(`listing the builds of ${bc}`, () => buildsOf(cluster, bc)))[0];
      const running = latest && !DONE.has(String(latest.status?.phase ?? "New"));
      const build = running ? String(latest.metadata.name) : await api(`starting a build of ${bc}`, () => instantiate(cluster, bc));
      say(`${subject}: ${running ? "waiting for" : "started"} ${build} (dependency image ${tag})`);
      const b = await waitForBuild(cluster, subject, build, opts, deadline);
      outcomes.push({ subject, build, phase: String(b.status?.phase) });
      if (b.status?.phase !== "Complete") problems.push(failure(plan, cluster, subject, b));
    }));
    if (problems.length) throw new NbbuildError(problems);
  }

  await Promise.all(steps.map(async (s) => {
    const bc = names.step(s.name);
    let build: string;
    if (opts.triggered) {
      const latest = (await api(`listing the builds of ${bc}`, () => buildsOf(cluster, bc)))[0];
      if (!latest) {
        problems.push({ location: { file: plan.source.file }, message: `${s.name}: BuildConfig ${bc} has no build yet`, fix: "push to the repository (the webhook starts one) or run without --triggered" });
        return;
      }
      build = String(latest.metadata.name);
      say(`${s.name}: waiting for ${build}`);
    } else {
      // A new dependency image starts the step builds itself (ImageChange trigger): wait for those.
      const latest = (await api(`listing the builds of ${bc}`, () => buildsOf(cluster, bc)))[0];
      if (latest && !DONE.has(String(latest.status?.phase ?? "New"))) {
        build = String(latest.metadata.name);
        say(`${s.name}: waiting for ${build} (already started by the cluster)`);
      } else {
        build = await api(`starting a build of ${bc}`, () => instantiate(cluster, bc));
        say(`${s.name}: started ${build}`);
      }
    }
    const b = await waitForBuild(cluster, s.name, build, opts, deadline);
    outcomes.push({ subject: s.name, build, phase: String(b.status?.phase) });
    if (b.status?.phase !== "Complete") problems.push(failure(plan, cluster, s.name, b));
  }));
  if (problems.length) throw new NbbuildError(problems);
  return outcomes;
}
