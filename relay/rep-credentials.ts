import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto'
import { mkdir, open, readFile, rename } from 'node:fs/promises'
import path from 'node:path'

export interface SmtpLogin {
  username: string
  password: string
}

interface SealedLogin {
  iv: string
  tag: string
  data: string
}

/**
 * SMTP logins that reps posted to /v1/verify, one per caller (bearer token), sealed with AES-256-GCM
 * so the file alone does not give them away. The key comes from the config, or is generated once
 * into the data folder (mode 0600) — then whoever can read the folder can read the logins, which is
 * why a deployment should give `credentialKey` from its secret store.
 */
export class RepCredentials {
  private constructor(
    private readonly file: string,
    private readonly key: Buffer,
    private readonly sealed: Record<string, SealedLogin>,
  ) {}

  static async open(dataDir: string, configuredKey?: Buffer): Promise<RepCredentials> {
    await mkdir(dataDir, { recursive: true })
    const key = configuredKey ?? (await loadOrCreateKey(path.join(dataDir, 'credential.key')))
    const file = path.join(dataDir, 'rep-credentials.json')
    let sealed: Record<string, SealedLogin> = {}
    try {
      sealed = JSON.parse(await readFile(file, 'utf8')) as Record<string, SealedLogin>
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    return new RepCredentials(file, key, sealed)
  }

  has(callerId: string): boolean {
    return callerId in this.sealed
  }

  get(callerId: string): SmtpLogin | undefined {
    const entry = this.sealed[callerId]
    if (!entry) return undefined
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(entry.iv, 'base64'))
    decipher.setAAD(Buffer.from(callerId))
    decipher.setAuthTag(Buffer.from(entry.tag, 'base64'))
    const plain = Buffer.concat([decipher.update(Buffer.from(entry.data, 'base64')), decipher.final()])
    return JSON.parse(plain.toString('utf8')) as SmtpLogin
  }

  async set(callerId: string, login: SmtpLogin): Promise<void> {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.key, iv)
    // Bound to the caller, so a sealed login copied under another caller does not open.
    cipher.setAAD(Buffer.from(callerId))
    const data = Buffer.concat([cipher.update(JSON.stringify(login), 'utf8'), cipher.final()])
    this.sealed[callerId] = {
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    }
    await this.save()
  }

  async delete(callerId: string): Promise<boolean> {
    if (!(callerId in this.sealed)) return false
    delete this.sealed[callerId]
    await this.save()
    return true
  }

  private async save(): Promise<void> {
    const tmp = `${this.file}.${process.pid}.tmp`
    const handle = await open(tmp, 'w', 0o600)
    await handle.writeFile(JSON.stringify(this.sealed, null, 2))
    await handle.sync()
    await handle.close()
    await rename(tmp, this.file)
  }
}

async function loadOrCreateKey(file: string): Promise<Buffer> {
  try {
    const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'base64')
    if (key.length === 32) return key
    throw new Error(`${file} does not hold a 32-byte base64 key`)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  const key = randomBytes(32)
  // 'wx' fails rather than overwrite a key another process just wrote.
  const handle = await open(file, 'wx', 0o600)
  await handle.writeFile(key.toString('base64'))
  await handle.close()
  return key
}
