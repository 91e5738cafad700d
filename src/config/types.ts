// The typed, frozen model of cluster.conf. Every value here has its RHEL6 default resolved
// (see ../shared/research/cman.md §1, §3.2, §4, §5.1 and rgmanager.md §3, §4). The parser in
// this folder is the only producer; every other room only reads these types.

/** An XML element as written in cluster.conf, with the 1-based line it starts on. */
export interface RawElement {
  readonly tag: string;
  /** Attributes exactly as written (string values, no defaults applied). */
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly RawElement[];
  readonly line: number;
}

export type Severity = 'error' | 'warning';

/** One problem found in a config, printed as `FILE:LINE: WHERE: MESSAGE`. */
export interface ConfigProblem {
  readonly severity: Severity;
  readonly file: string;
  /** 1-based line; 0 when the problem is about the whole file. */
  readonly line: number;
  /** The element or attribute concerned, e.g. `clusternode[name=node1]/@nodeid` or `rm/service[name=web]`. */
  readonly where: string;
  readonly message: string;
}

export interface TotemConfig {
  /** Token timeout; RHEL6 cman default 10000 ms. */
  readonly tokenMs: number;
  /** Consensus timeout; when unset: token+2000 with >2 nodes, else 0.2*token clamped to [200,2000]. */
  readonly consensusMs: number;
  /** Join timeout; cman default 60 ms. */
  readonly joinMs: number;
  readonly failRecvConst: number;
  readonly tokenRetransmitsBeforeLossConst: number | undefined;
  readonly missCountConst: number | undefined;
  readonly secauth: boolean;
  readonly keyfile: string | undefined;
  readonly rrpMode: 'none' | 'active' | 'passive';
  readonly netmtu: number | undefined;
  readonly windowSize: number | undefined;
  readonly maxMessages: number | undefined;
  readonly line: number;
}

export type CmanTransport = 'udp' | 'udpb' | 'udpu' | 'rdma';

export interface CmanConfig {
  readonly twoNode: boolean;
  /** Effective expected votes at start: `<cman expected_votes>` or the sum of node votes. */
  readonly expectedVotes: number;
  /** True when expected_votes was written in the file. */
  readonly expectedVotesExplicit: boolean;
  /** UDP port, default 5405. */
  readonly port: number;
  readonly transport: CmanTransport;
  /** 16-bit cluster id: `<cman cluster_id>` or derived from the cluster name as cman does. */
  readonly clusterId: number;
  readonly keyfile: string | undefined;
  readonly multicastAddress: string | undefined;
  readonly quorumDevPollMs: number;
  readonly shutdownTimeoutMs: number;
  readonly upgrading: boolean;
  readonly line: number;
}

export interface Heuristic {
  /** Run with `sh -c`; exit 0 = success. */
  readonly program: string;
  readonly score: number;
  readonly intervalS: number;
  readonly tko: number;
  readonly line: number;
}

export interface QuorumdConfig {
  readonly intervalS: number;
  readonly tko: number;
  readonly tkoUp: number;
  readonly upgradeWait: number;
  readonly masterWait: number;
  /** Votes the qdisk gives the partition holding its master (default nodes − 1). */
  readonly votes: number;
  /** Effective minimum score (0 in the file → floor(max_score/2)+1). */
  readonly minScore: number;
  readonly device: string | undefined;
  readonly label: string | undefined;
  readonly cmanLabel: string;
  readonly reboot: boolean;
  readonly allowKill: boolean;
  readonly masterWins: boolean;
  readonly ioTimeout: boolean;
  readonly paranoid: boolean;
  readonly stopCman: boolean;
  readonly maxErrorCycles: number;
  readonly statusFile: string | undefined;
  readonly heuristics: readonly Heuristic[];
  readonly line: number;
}

export interface FenceDaemonConfig {
  /** Default 6 s; −1 = wait forever. */
  readonly postJoinDelayS: number;
  readonly postFailDelayS: number;
  readonly cleanStart: boolean;
  readonly overrideTimeS: number;
  readonly overridePath: string;
  readonly skipUndefined: boolean;
  readonly line: number;
}

/** `<device name=... port=... />` inside a node's `<method>` or `<unfence>`. */
export interface FenceDeviceRef {
  /** Name of a `<fencedevice>`. */
  readonly name: string;
  /** Every other attribute (port, action, plug, ipaddr, ...), as written. */
  readonly args: Readonly<Record<string, string>>;
  readonly line: number;
}

export interface FenceMethod {
  readonly name: string;
  readonly devices: readonly FenceDeviceRef[];
  readonly line: number;
}

export interface ClusterNode {
  readonly name: string;
  readonly nodeid: number;
  /** Default 1. */
  readonly votes: number;
  readonly weight: number | undefined;
  readonly altnames: readonly { readonly name: string; readonly port: number | undefined; readonly mcast: string | undefined }[];
  readonly fenceMethods: readonly FenceMethod[];
  readonly unfence: readonly FenceDeviceRef[];
  readonly line: number;
}

export interface FenceDevice {
  readonly name: string;
  /** e.g. `fence_ipmilan`, `fence_apc_snmp`. */
  readonly agent: string;
  /** Every other attribute (ipaddr, login, passwd, lanplus, community, ...), as written. */
  readonly args: Readonly<Record<string, string>>;
  readonly line: number;
}

export interface LoggingDaemonConfig {
  readonly name: string;
  readonly subsys: string | undefined;
  readonly debug: boolean | undefined;
  readonly toLogfile: boolean | undefined;
  readonly logfile: string | undefined;
  readonly logfilePriority: string | undefined;
  readonly line: number;
}

export interface LoggingConfig {
  readonly toSyslog: boolean;
  readonly toLogfile: boolean;
  /** Default `/var/log/cluster/cluster.log` (RHCS writes one file per daemon). */
  readonly logfile: string | undefined;
  readonly syslogFacility: string;
  readonly syslogPriority: string;
  readonly logfilePriority: string;
  readonly debug: boolean;
  readonly daemons: readonly LoggingDaemonConfig[];
}

export interface FailoverDomainNode {
  readonly name: string;
  /** 1..100 for ordered domains (1 = best); 0 when unordered or unset. */
  readonly priority: number;
  readonly line: number;
}

export interface FailoverDomain {
  readonly name: string;
  readonly ordered: boolean;
  readonly restricted: boolean;
  readonly nofailback: boolean;
  readonly nodes: readonly FailoverDomainNode[];
  readonly line: number;
}

export type RecoveryPolicy = 'restart' | 'relocate' | 'disable' | 'restart-disable';

/** A root resource group under `<rm>`: `<service>` or `<vm>`, with service.sh defaults resolved. */
export interface ServiceConfig {
  readonly kind: 'service' | 'vm';
  readonly name: string;
  /** `service:NAME` or `vm:NAME`: the id clustat and clusvcadm use. */
  readonly id: string;
  readonly domain: string | undefined;
  readonly autostart: boolean;
  readonly exclusive: boolean;
  readonly recovery: RecoveryPolicy;
  /** Full id of another service (`service:other`), when set. */
  readonly depend: string | undefined;
  readonly dependMode: 'hard' | 'soft';
  readonly maxRestarts: number;
  /** 0 = never forget. */
  readonly restartExpireTimeS: number;
  readonly priority: number;
  /** vm only: `live` (default) or `pause`. */
  readonly migrate: string | undefined;
  /** The element as written (a `ref=` service is resolved to its `<resources>` definition's attrs). */
  readonly element: RawElement;
  readonly line: number;
}

export interface RmConfig {
  readonly present: boolean;
  readonly statusPollIntervalS: number;
  readonly statusChildMax: number | undefined;
  readonly transitionThrottlingS: number;
  readonly centralProcessing: boolean;
  readonly disabled: boolean;
  readonly failoverDomains: readonly FailoverDomain[];
  /** Children of `<rm><resources>` as written; the resource-tree builder interprets them. */
  readonly resources: readonly RawElement[];
  /** Children of `<rm><resource-defaults>` as written. */
  readonly resourceDefaults: readonly RawElement[];
  /** `<service>` and `<vm>` roots in document order. */
  readonly services: readonly ServiceConfig[];
  /** The `<rm>` element itself (empty element when absent). */
  readonly element: RawElement;
}

export interface ClusterConfig {
  /** Path the config was read from (or a label such as `<stdin>`). */
  readonly file: string;
  readonly name: string;
  readonly configVersion: number;
  readonly alias: string | undefined;
  readonly cman: CmanConfig;
  readonly totem: TotemConfig;
  readonly quorumd: QuorumdConfig | undefined;
  readonly fenceDaemon: FenceDaemonConfig;
  readonly nodes: readonly ClusterNode[];
  readonly fenceDevices: readonly FenceDevice[];
  readonly logging: LoggingConfig;
  readonly rm: RmConfig;
  /** The whole document as written. */
  readonly root: RawElement;
  /** The file's text exactly as read (what propagation copies byte for byte). */
  readonly text: string;
}

export interface ParseResult {
  /** Present when there is no error (warnings allowed). */
  readonly config: ClusterConfig | undefined;
  /** Errors and warnings, in file order. */
  readonly problems: readonly ConfigProblem[];
}

/** One parameter of a resource agent, from its `meta-data` (rgmanager's rule). */
export interface ResourceParameterInfo {
  readonly name: string;
  readonly required: boolean;
  readonly primary: boolean;
  readonly unique: boolean;
}

/** What the validator needs to know about a resource type (agent) beyond the static schema. */
export interface ResourceTypeInfo {
  readonly parameters: readonly ResourceParameterInfo[];
}

export interface ParseOptions {
  /**
   * Resource types known from agent metadata (the resource-agent room fills this). A type found
   * here is accepted even if the static RHEL6 schema does not know it; its required parameters
   * are checked (unless the element is a `ref=`), and its primary parameter is used to resolve
   * `ref=` references. Unknown types get a warning.
   */
  readonly resourceTypes?: ReadonlyMap<string, ResourceTypeInfo>;
  /**
   * Return the best-effort config even when there are errors (e.g. rg_test fixtures that hold only
   * an `<rm>` section). Daemons must never set this; tools that only read one section may.
   */
  readonly allowErrors?: boolean;
}
