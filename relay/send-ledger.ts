import { type FileHandle, mkdir, open, readFile, rename } from 'node:fs/promises'
import path from 'node:path'
import type { RelaySendReply } from './protocol.ts'

/**
 * The relay's memory of outbox ids, kept as JSON lines so a restart does not forget them.
 * `sending` is written (and synced) before the message goes to the SMTP server and `done` after,
 * so an id found still `sending` after a crash is one whose fate is unknown: it is answered with
 * `delivery_unknown` rather than risked twice.
 */
interface LedgerLine {
  /** Caller + outbox id. */
  k: string
  s: 'sending' | 'done' | 'cleared'
  /** When, ms since epoch. */
  t: number
  r?: RelaySendReply
}

interface PendingWrite {
  line: string
  resolve: () => void
  reject: (error: unknown) => void
}

export const UNKNOWN_OUTCOME: RelaySendReply = {
  ok: false,
  error: {
    code: 'delivery_unknown',
    message:
      'The relay stopped while this message was being handed to the SMTP server; it may or may not have been sent, so it is not sent again',
    retryable: false,
  },
}

export class SendLedger {
  private readonly results = new Map<string, { at: number; reply: RelaySendReply }>()
  private readonly pending: PendingWrite[] = []
  private flushing: Promise<void> | null = null

  private constructor(
    private readonly handle: FileHandle,
    private readonly durable: boolean,
  ) {}

  /**
   * Loads the ledger, forgets results older than `retentionMs`, and rewrites the file compacted.
   * `durable` syncs each batch of lines to disk before the send that depends on it proceeds.
   */
  static async open(file: string, options: { retentionMs: number; durable?: boolean }): Promise<SendLedger> {
    await mkdir(path.dirname(file), { recursive: true })
    const latest = new Map<string, LedgerLine>()
    let text = ''
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    }
    for (const raw of text.split('\n')) {
      if (!raw) continue
      let line: LedgerLine
      try {
        line = JSON.parse(raw) as LedgerLine
      } catch {
        continue // a line torn by a crash mid-write; the lines before it still count
      }
      if (line.s === 'cleared') latest.delete(line.k)
      else latest.set(line.k, line)
    }
    const cutoff = Date.now() - options.retentionMs
    const kept: LedgerLine[] = []
    for (const line of latest.values()) {
      if (line.t < cutoff) continue
      kept.push(line.s === 'sending' ? { k: line.k, s: 'done', t: line.t, r: UNKNOWN_OUTCOME } : line)
    }
    const tmp = `${file}.${process.pid}.tmp`
    const compacted = await open(tmp, 'w', 0o600)
    await compacted.writeFile(kept.map((l) => `${JSON.stringify(l)}\n`).join(''))
    await compacted.sync()
    await compacted.close()
    await rename(tmp, file)

    const ledger = new SendLedger(await open(file, 'a', 0o600), options.durable ?? true)
    for (const line of kept) ledger.results.set(line.k, { at: line.t, reply: line.r! })
    return ledger
  }

  /** The first answer given for this key, if it is final. */
  lookup(key: string): RelaySendReply | undefined {
    return this.results.get(key)?.reply
  }

  get size(): number {
    return this.results.size
  }

  /** Durably notes that the message is about to be handed to the SMTP server. */
  begin(key: string): Promise<void> {
    return this.append({ k: key, s: 'sending', t: Date.now() })
  }

  /**
   * Records the answer. A retryable failure (nothing was accepted by the server) is cleared
   * instead, so a retry with the same id tries again.
   */
  async finish(key: string, reply: RelaySendReply): Promise<void> {
    const t = Date.now()
    if (!reply.ok && reply.error.retryable) {
      this.results.delete(key)
      await this.append({ k: key, s: 'cleared', t })
      return
    }
    this.results.set(key, { at: t, reply })
    await this.append({ k: key, s: 'done', t, r: reply })
  }

  async close(): Promise<void> {
    await this.flushing
    await this.handle.close()
  }

  // Group commit: lines queued while a write is in progress go out together with one sync.
  private append(line: LedgerLine): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ line: `${JSON.stringify(line)}\n`, resolve, reject })
      this.flushing ??= this.flush()
    })
  }

  private async flush(): Promise<void> {
    while (this.pending.length) {
      const batch = this.pending.splice(0)
      try {
        await this.handle.write(batch.map((w) => w.line).join(''))
        if (this.durable) await this.handle.datasync()
        for (const w of batch) w.resolve()
      } catch (error) {
        for (const w of batch) w.reject(error)
      }
    }
    this.flushing = null
  }
}
