import * as Minio from 'minio';
import { BadGatewayError, ServiceUnavailableError } from '../http/errors.js';

/** Where recordings live: any S3-compatible store (MinIO in the stack; AWS S3, R2, Ceph… work too). */
export interface S3Options {
  endpoint: string;
  publicEndpoint: string;
  region: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  forcePathStyle: boolean;
  timeoutMs: number;
}

/** Facts about a stored object. */
export interface ObjectStat {
  size: number;
  etag: string;
}

function client(endpoint: string, o: S3Options): Minio.Client {
  const url = new URL(endpoint);
  return new Minio.Client({
    endPoint: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    useSSL: url.protocol === 'https:',
    accessKey: o.accessKey,
    secretKey: o.secretKey,
    // A fixed region means presigning never asks the server for the bucket's location.
    region: o.region,
    pathStyle: o.forcePathStyle,
  });
}

/** The recordings bucket: stat, presign, delete. Every call is bounded and maps failures to 502/503. */
export class S3Storage {
  private readonly s3: Minio.Client;
  private readonly presigner: Minio.Client;

  constructor(private readonly opts: S3Options) {
    this.s3 = client(opts.endpoint, opts);
    this.presigner = opts.publicEndpoint === opts.endpoint ? this.s3 : client(opts.publicEndpoint, opts);
  }

  /** The object's size and etag, or undefined when it does not exist. */
  async stat(key: string): Promise<ObjectStat | undefined> {
    try {
      const s = await this.bounded('look up the recording file', this.s3.statObject(this.opts.bucket, key));
      return { size: s.size, etag: s.etag };
    } catch (err) {
      if (isNotFound(err)) return undefined;
      throw err;
    }
  }

  /** Deletes the object; deleting one that is already gone succeeds. */
  async remove(key: string): Promise<void> {
    await this.bounded('delete the recording file', this.s3.removeObject(this.opts.bucket, key));
  }

  /** A GET URL for the object that works for `ttlSeconds`, signed offline against the public endpoint. */
  async presignGet(key: string, ttlSeconds: number, downloadName?: string): Promise<string> {
    const headers = downloadName ? { 'response-content-disposition': `attachment; filename="${downloadName.replace(/"/g, '')}"` } : undefined;
    return this.bounded('sign the download URL', this.presigner.presignedGetObject(this.opts.bucket, key, ttlSeconds, headers));
  }

  private async bounded<T>(what: string, p: Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new ServiceUnavailableError(`S3 did not answer in time; could not ${what}`)), this.opts.timeoutMs);
    });
    try {
      return await Promise.race([p, timeout]);
    } catch (err) {
      if (err instanceof ServiceUnavailableError || isNotFound(err)) throw err;
      const code = (err as { code?: string }).code ?? '';
      if (/^E(CONNREFUSED|CONNRESET|HOSTUNREACH|NOTFOUND|TIMEDOUT)$/.test(code)) {
        throw new ServiceUnavailableError(`S3 is unreachable; could not ${what}`, { cause: err });
      }
      throw new BadGatewayError(`S3 failed to ${what}: ${(err as Error).message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }
}

function isNotFound(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === 'NotFound' || code === 'NoSuchKey';
}
