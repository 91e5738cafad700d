// Minimal typing of the npm package net-snmp (3.x), only what fence_apc_snmp and the PDU
// simulator use. Written from the package's README and index.js.
declare module 'net-snmp' {
  export interface Varbind {
    oid: string;
    type: number;
    value: unknown;
  }

  export interface SessionOptions {
    port?: number;
    retries?: number;
    timeout?: number;
    backoff?: number;
    transport?: 'udp4' | 'udp6';
    version?: number;
    idBitsSize?: 16 | 32;
  }

  export interface User {
    name: string;
    level: number;
    authProtocol?: number;
    authKey?: string;
    privProtocol?: number;
    privKey?: string;
  }

  export type ResponseCallback = (error: Error | null, varbinds: Varbind[]) => void;

  export interface Session {
    get(oids: string[], callback: ResponseCallback): void;
    set(varbinds: Varbind[], callback: ResponseCallback): void;
    subtree(oid: string, maxRepetitions: number, feed: (varbinds: Varbind[]) => boolean | void,
      done: (error: Error | null) => void): void;
    close(): void;
    on(event: 'error', listener: (error: Error) => void): void;
    on(event: 'close', listener: () => void): void;
  }

  export function createSession(target: string, community: string, options?: SessionOptions): Session;
  export function createV3Session(target: string, user: User, options?: SessionOptions): Session;
  export function isVarbindError(varbind: Varbind): boolean;
  export function varbindError(varbind: Varbind): string;

  export const Version1: number;
  export const Version2c: number;
  export const Version3: number;
  export const ErrorStatus: Record<string, number> & Record<number, string>;
  export const ObjectType: Record<string, number> & Record<number, string>;
  export const PduType: Record<string, number> & Record<number, string>;
  export const SecurityLevel: { noAuthNoPriv: number; authNoPriv: number; authPriv: number };
  export const AuthProtocols: { none: number; md5: number; sha: number; sha224: number; sha256: number; sha384: number; sha512: number };
  export const PrivProtocols: { none: number; des: number; aes: number; aes256b: number; aes256r: number };
  export const MibProviderType: { Scalar: number; Table: number };
  export const AccessControlModelType: { None: number; Simple: number };
  export const AccessLevel: { None: number; ReadOnly: number; ReadWrite: number };
  export const MaxAccess: Record<string, number>;

  export class RequestFailedError extends Error { status: number; }
  export class RequestTimedOutError extends Error {}
  export class ResponseInvalidError extends Error { code: number; info?: unknown; }

  // --- agent side (the PDU simulator) ---
  export interface AgentOptions {
    port?: number;
    address?: string | null;
    transport?: 'udp4' | 'udp6';
    disableAuthorization?: boolean;
    accessControlModelType?: number;
    engineID?: string;
  }

  export interface TableColumn {
    number: number;
    name: string;
    type: number;
    maxAccess: number;
    defVal?: unknown;
  }

  export interface MibRequest {
    operation: number;
    oid: string;
    setValue?: unknown;
    done(result?: { errorStatus?: number }): void;
  }

  export interface ProviderDefinition {
    name: string;
    type: number;
    oid: string;
    maxAccess?: number;
    scalarType?: number;
    tableColumns?: TableColumn[];
    tableIndex?: { columnName: string }[];
    handler?: (req: MibRequest) => void;
  }

  export interface Mib {
    registerProvider(provider: ProviderDefinition): void;
    setScalarValue(name: string, value: unknown): void;
    addTableRow(name: string, row: unknown[]): void;
    getTableSingleCell(name: string, column: number, index: unknown[]): unknown;
    setTableSingleCell(name: string, column: number, index: unknown[], value: unknown): void;
  }

  export interface AccessControlModel {
    setCommunityAccess(community: string, level: number): void;
    setUserAccess(user: string, level: number): void;
  }

  export interface Authorizer {
    addCommunity(community: string): void;
    addUser(user: User): void;
    getAccessControlModel(): AccessControlModel;
  }

  export interface Agent {
    getMib(): Mib;
    getAuthorizer(): Authorizer;
    close(callback?: () => void): void;
  }

  export function createAgent(options: AgentOptions, callback: (error: Error | null, data?: unknown) => void): Agent;

  const snmp: {
    createSession: typeof createSession;
    createV3Session: typeof createV3Session;
    createAgent: typeof createAgent;
    isVarbindError: typeof isVarbindError;
    varbindError: typeof varbindError;
    Version1: number;
    Version2c: number;
    Version3: number;
    ErrorStatus: typeof ErrorStatus;
    ObjectType: typeof ObjectType;
    PduType: typeof PduType;
    SecurityLevel: typeof SecurityLevel;
    AuthProtocols: typeof AuthProtocols;
    PrivProtocols: typeof PrivProtocols;
    MibProviderType: typeof MibProviderType;
    AccessControlModelType: typeof AccessControlModelType;
    AccessLevel: typeof AccessLevel;
    MaxAccess: typeof MaxAccess;
    RequestFailedError: typeof RequestFailedError;
    RequestTimedOutError: typeof RequestTimedOutError;
    ResponseInvalidError: typeof ResponseInvalidError;
  };
  export default snmp;
}
