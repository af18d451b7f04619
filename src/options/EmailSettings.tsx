import { type InputHTMLAttributes, type ReactNode, useEffect, useState } from 'react'
import { type AdvisorReport, DEFAULT_DOH_RESOLVER } from '../core/advisor.ts'
import { db } from '../core/db.ts'
import { type AdminSettings, mergeSettings, type Settings } from '../core/settings.ts'
import type { Account, ChannelKind, ErrorInfo, OutboxRow } from '../core/types.ts'
import { errorText, formatTime, t } from '../ui/i18n.ts'
import { useLive } from '../ui/live.ts'
import { call, RequestFailed } from '../ui/messaging.ts'

/**
 * Email settings: the mailbox connection, the rep's delivery channel for campaign steps and page
 * sends (compose sends keep the plugin rule), Custom SMTP through the team's relay, legacy
 * servers for legacy accounts, the channel advisor, and the admin settings for which this page is
 * the fallback when no enterprise policy sets them (a key the policy sets shows read-only).
 *
 * The relay, legacy endpoint and DNS-over-HTTPS resolver are reached by URLs an admin or rep
 * configures, so their origins are optional host permissions, asked for here on the click that
 * saves or uses them (a permission prompt needs a user gesture).
 */

type Section = 'channel' | 'smtp' | 'test' | 'legacy' | 'advisor' | 'admin'
type Notice = { section: Section; error?: ErrorInfo; saved?: boolean }

function toInfo(err: unknown): ErrorInfo {
  return err instanceof RequestFailed ? err.info : { code: 'internal', message: String(err) }
}

/** `https://relay.acme.example/*` for a configured URL (host permissions match any port). */
export function originPattern(url: string): string | null {
  try {
    const u = new URL(url.trim())
    return u.protocol === 'https:' || u.protocol === 'http:' ? `${u.protocol}//${u.hostname}/*` : null
  } catch {
    return null
  }
}

/** Asks for exactly these origins; resolves with what was refused (null when all are granted). */
async function grantOrigins(urls: (string | undefined)[]): Promise<string | null> {
  const origins = [...new Set(urls.map((u) => (u ? originPattern(u) : null)).filter((o): o is string => !!o))]
  if (origins.length === 0) return null
  try {
    return (await chrome.permissions.request({ origins })) ? null : origins.join(', ')
  } catch {
    return origins.join(', ')
  }
}

function denied(origins: string): ErrorInfo {
  return { code: 'permission', message: t('email_permissionDenied', origins) }
}

function shownError(error: ErrorInfo): string {
  return error.code === 'permission' ? error.message : errorText(error)
}

/** The policy the admin installed (empty without one), kept current while the page is open. */
export function usePolicy(): Partial<AdminSettings> {
  const [policy, setPolicy] = useState<Partial<AdminSettings>>({})
  useEffect(() => {
    const read = () =>
      chrome.storage.managed.get(null).then(
        (p) => setPolicy(p as Partial<AdminSettings>),
        () => setPolicy({}),
      )
    void read()
    const onChanged = (_: unknown, area: string) => {
      if (area === 'managed') void read()
    }
    chrome.storage.onChanged.addListener(onChanged)
    return () => chrome.storage.onChanged.removeListener(onChanged)
  }, [])
  return policy
}

/** A text field's edit, or the stored value until the rep types. */
function useDraft(stored: string | undefined): [string, (v: string) => void, () => void] {
  const [draft, setDraft] = useState<string | undefined>(undefined)
  return [draft ?? stored ?? '', setDraft, () => setDraft(undefined)]
}

export function LockedNote({ locked }: { locked: boolean }) {
  return locked ? (
    <div className="small muted" data-dispatch="locked-note">
      {t('email_policyLocked')}
    </div>
  ) : null
}

/**
 * A labelled text input. `locked` (the enterprise policy sets the value) makes it read-only and says why;
 * `help` is shown under it. Other input attributes (type, size, autoComplete, data-dispatch…) pass through.
 */
function TextField({
  id,
  label,
  value,
  onValue,
  locked = false,
  help,
  ...input
}: Omit<InputHTMLAttributes<HTMLInputElement>, 'value' | 'onChange' | 'readOnly'> & {
  id: string
  label: string
  value: string
  onValue: (value: string) => void
  locked?: boolean
  help?: ReactNode
}) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input id={id} {...input} value={value} readOnly={locked} onChange={(e) => onValue(e.target.value)} />
      {help && <div className="small muted">{help}</div>}
      <LockedNote locked={locked} />
    </>
  )
}

function channelName(kind: ChannelKind): string {
  return t(`channel_${kind}`)
}

export function EmailSettings() {
  const policy = usePolicy()
  const rows = useLive(() => db().settings.toArray(), 'settings', [] as { key: string; value: unknown }[])
  const accounts = useLive(() => db().accounts.toArray(), 'accounts', [] as Account[])
  const { settings, locked } = mergeSettings(policy, Object.fromEntries(rows.map((r) => [r.key, r.value])))
  const isLocked = (k: keyof AdminSettings) => locked.includes(k)
  const connected = accounts.filter((a) => a.status !== 'disconnected')
  const gmail = connected.find((a) => a.provider === 'gmail')
  const outlook = connected.find((a) => a.provider === 'exchange')

  const [busy, setBusy] = useState<Section | null>(null)
  const [notice, setNotice] = useState<Notice | null>(null)
  const run = async (section: Section, fn: () => Promise<void>) => {
    setBusy(section)
    setNotice(null)
    try {
      await fn()
      setNotice({ section, saved: true })
    } catch (err) {
      setNotice({ section, error: toInfo(err) })
    } finally {
      setBusy(null)
    }
  }
  const noticeFor = (section: Section) =>
    notice?.section === section ? (
      notice.error ? (
        <p className="error" role="alert" data-dispatch={`${section}-error`}>
          {shownError(notice.error)}
        </p>
      ) : notice.saved && section !== 'test' ? (
        <p className="ok small" role="status" data-dispatch={`${section}-saved`}>
          {t('email_saved')}
        </p>
      ) : null
    ) : null

  const [choice, setChoice] = useState<ChannelKind | null>(null)
  const selected: ChannelKind = choice ?? settings.repChannel ?? 'gmail'
  const legacyOffered = settings.legacyAccount === true

  return (
    <section aria-labelledby="email-h" data-dispatch="email-settings">
      <h2 id="email-h">{t('email_title')}</h2>
      <p className="warn" data-dispatch="plugin-rule">
        {t('email_pluginRule')}
      </p>

      <h3>{t('email_connectionTitle')}</h3>
      <p className="muted">{t('email_connectionRecommended')}</p>
      <ul className="list" data-dispatch="email-connections">
        <li data-connection="gmail">
          <strong>{t('email_conn_gmail')}</strong> —{' '}
          {gmail ? t('email_connectedAs', gmail.address) : t('email_notConnected')}
        </li>
        <li data-connection="outlook">
          <strong>{t('email_conn_outlook')}</strong> —{' '}
          {outlook ? t('email_connectedAs', outlook.address) : t('email_notConnected')}
        </li>
        <li data-connection="onprem" aria-disabled="true">
          <strong>{t('email_conn_onprem')}</strong> <span className="badge">{t('email_notSupported')}</span>
          <div className="small muted">{t('options_onPremNote')}</div>
        </li>
      </ul>
      <p className="small">
        <a href="#connections">{t('email_manageConnections')}</a>
      </p>

      <h3>{t('email_channelTitle')}</h3>
      <p className="muted">{t('email_channelHelp')}</p>
      {settings.teamChannel && (
        <p className="warn" data-dispatch="team-channel-note">
          {t('email_teamChannelSet', channelName(settings.teamChannel))}
        </p>
      )}
      <div role="radiogroup" aria-label={t('email_channelTitle')} data-dispatch="channel-choice">
        <ChannelOption
          kind="gmail"
          label={t('email_opt_gmail')}
          recommended
          guide={t('email_guide_connection')}
          hint={gmail ? undefined : t('email_needsMailbox', 'Gmail')}
          selected={selected}
          onSelect={setChoice}
        />
        <ChannelOption
          kind="exchange"
          label={t('email_opt_exchange')}
          recommended
          guide={t('email_guide_connection')}
          hint={outlook ? undefined : t('email_needsMailbox', 'Outlook')}
          selected={selected}
          onSelect={setChoice}
        />
        <ChannelOption
          kind="smtp"
          label={t('email_opt_smtp')}
          guide={t('email_guide_smtp')}
          selected={selected}
          onSelect={setChoice}
        />
        {legacyOffered && (
          <ChannelOption
            kind="legacy"
            label={t('email_opt_legacy')}
            guide={t('email_guide_legacy')}
            warn
            selected={selected}
            onSelect={setChoice}
          />
        )}
        <label className="option" data-channel="marketo">
          <input type="radio" name="delivery-channel" value="marketo" disabled />
          <strong>{t('email_opt_marketo')}</strong>
          <div className="small muted" data-dispatch="marketo-reason">
            {t('email_marketoReason')}
          </div>
        </label>
      </div>

      {(selected === 'gmail' || selected === 'exchange') && (
        <div className="row">
          <button
            type="button"
            className="primary"
            data-dispatch="save-channel"
            disabled={busy !== null}
            onClick={() =>
              run('channel', async () => {
                await call('settings.set', { patch: { repChannel: selected } })
              })
            }
          >
            {t('email_saveChannel')}
          </button>
          {noticeFor('channel')}
        </div>
      )}
      {selected === 'smtp' && (
        <SmtpCard settings={settings} relayLocked={isLocked('relayUrl')} busy={busy} run={run} noticeFor={noticeFor} />
      )}
      {selected === 'legacy' && legacyOffered && (
        <LegacyCard
          settings={settings}
          endpointLocked={isLocked('legacyEndpoint')}
          busy={busy}
          run={run}
          noticeFor={noticeFor}
        />
      )}

      <Advisor
        settings={settings}
        defaultChannel={settings.teamChannel ?? selected}
        legacyOffered={legacyOffered}
        busy={busy}
        setBusy={setBusy}
        notice={notice}
        setNotice={setNotice}
      />

      <AdminCard settings={settings} isLocked={isLocked} busy={busy} run={run} noticeFor={noticeFor} />
    </section>
  )
}

function ChannelOption(p: {
  kind: ChannelKind
  label: string
  guide: string
  recommended?: boolean
  warn?: boolean
  hint?: string
  selected: ChannelKind
  onSelect: (k: ChannelKind) => void
}) {
  return (
    <label className="option" data-channel={p.kind}>
      <input
        type="radio"
        name="delivery-channel"
        value={p.kind}
        checked={p.selected === p.kind}
        onChange={() => p.onSelect(p.kind)}
      />
      <strong>{p.label}</strong> {p.recommended && <span className="badge">{t('email_recommended')}</span>}
      <div className={p.warn ? 'warn small' : 'small muted'} data-dispatch={p.warn ? 'legacy-warning' : undefined}>
        {p.guide}
      </div>
      {p.hint && <div className="small">{p.hint}</div>}
    </label>
  )
}

interface CardProps {
  settings: Settings
  busy: Section | null
  run: (section: Section, fn: () => Promise<void>) => Promise<void>
  noticeFor: (section: Section) => React.ReactNode
}

function SmtpCard({ settings, relayLocked, busy, run, noticeFor }: CardProps & { relayLocked: boolean }) {
  const [url, setUrl] = useDraft(settings.relayUrl)
  const [token, setToken] = useDraft(settings.relayToken)
  const [from, setFrom] = useDraft(settings.relayFrom)
  const [username, setUsername] = useState('')
  const [password, setPassword] = useState('')
  const [testId, setTestId] = useState<string | null>(null)
  const test = useLive(
    () => (testId ? db().outbox.get(testId) : Promise.resolve(undefined)),
    testId ?? '',
    undefined as OutboxRow | undefined,
  )
  const verified = settings.relayVerified?.url === settings.relayUrl ? settings.relayVerified : undefined
  const effectiveUrl = relayLocked ? (settings.relayUrl ?? '') : url

  return (
    <div className="card" data-dispatch="smtp-settings">
      <h3>{t('email_smtpTitle')}</h3>
      <p className="small muted">{t('email_smtpHelp')}</p>
      <TextField
        id="relay-url"
        label={t('email_relayUrl')}
        type="url"
        size={50}
        placeholder="https://relay.example.com"
        data-dispatch="relay-url"
        value={effectiveUrl}
        locked={relayLocked}
        onValue={setUrl}
      />
      <TextField
        id="relay-token"
        label={t('email_relayToken')}
        type="password"
        size={50}
        autoComplete="off"
        data-dispatch="relay-token"
        value={token}
        onValue={setToken}
      />
      <TextField
        id="relay-from"
        label={t('email_from')}
        type="email"
        size={40}
        data-dispatch="relay-from"
        value={from}
        onValue={setFrom}
        help={t('email_fromHelp')}
      />
      <details>
        <summary>{t('email_repLogin')}</summary>
        <p className="small muted">{t('email_repLoginHelp')}</p>
        <TextField
          id="smtp-username"
          label={t('email_smtpUser')}
          autoComplete="username"
          data-dispatch="smtp-username"
          value={username}
          onValue={setUsername}
        />
        <TextField
          id="smtp-password"
          label={t('email_smtpPassword')}
          type="password"
          autoComplete="current-password"
          data-dispatch="smtp-password"
          value={password}
          onValue={setPassword}
        />
      </details>
      <div className="row" style={{ marginTop: 10 }}>
        <button
          type="button"
          className="primary"
          data-dispatch="relay-authenticate"
          disabled={busy !== null || !effectiveUrl.trim() || !token.trim() || !from.trim()}
          onClick={() =>
            run('smtp', async () => {
              const refused = await grantOrigins([effectiveUrl])
              if (refused) throw new RequestFailed(denied(refused))
              await call('relay.verify', {
                ...(relayLocked ? {} : { relayUrl: effectiveUrl.trim() }),
                relayToken: token.trim(),
                from: from.trim(),
                ...(username && password ? { smtp: { username, password } } : {}),
              })
              // The relay keeps a working login; the page forgets it.
              setPassword('')
            })
          }
        >
          {busy === 'smtp' ? t('email_authenticating') : t('email_authenticate')}
        </button>
        <button
          type="button"
          data-dispatch="relay-test"
          disabled={busy !== null || !verified || !settings.relayFrom}
          onClick={() =>
            run('test', async () => {
              const status = await call('outbox.sendFromPage', {
                requestId: crypto.randomUUID(),
                channel: 'smtp',
                message: {
                  to: [settings.relayFrom!],
                  cc: [],
                  bcc: [],
                  subject: t('email_testSubject'),
                  html: `<p>${t('email_testBody')}</p>`,
                  text: t('email_testBody'),
                },
              })
              setTestId(status.id)
            })
          }
        >
          {t('email_sendTest')}
        </button>
      </div>
      {noticeFor('smtp')}
      {noticeFor('test')}
      <RelayStatus verified={verified} />
      {test && (
        <p className="small" data-dispatch="relay-test-state" data-state={test.state}>
          {t('email_testTo', settings.relayFrom ?? '')} {testStateText(test)}
        </p>
      )}
    </div>
  )
}

function testStateText(row: OutboxRow): string {
  if (row.state === 'sent') return t('toast_sent')
  if (row.state === 'sending') return t('toast_sending')
  if (row.state === 'failed') return t('toast_failed', row.error ? errorText(row.error) : '')
  return row.error ? errorText(row.error) : t('toast_queuedNow')
}

function RelayStatus({ verified }: { verified: Settings['relayVerified'] }) {
  if (!verified) {
    return (
      <p className="small muted" data-dispatch="relay-status" data-verified="false">
        {t('email_notAuthenticated')}
      </p>
    )
  }
  return (
    <div className="small" data-dispatch="relay-status" data-verified="true">
      <div className="ok">
        {t('email_relayVerified', [verified.username ?? t('email_relayAccountRelay'), formatTime(verified.at)])}
      </div>
      <div>
        {verified.dkim ? t('email_relayDkim', [verified.dkim.selector, verified.dkim.domain]) : t('email_relayNoDkim')}
      </div>
      <div data-dispatch="relay-cap">
        {verified.rateCap
          ? t('email_relayCap', [verified.rateCap.messages, verified.rateCap.perSeconds])
          : t('email_relayNoCap')}
      </div>
    </div>
  )
}

function LegacyCard({ settings, endpointLocked, busy, run, noticeFor }: CardProps & { endpointLocked: boolean }) {
  const [endpoint, setEndpoint] = useDraft(settings.legacyEndpoint)
  const [token, setToken] = useDraft(settings.legacyToken)
  const [from, setFrom] = useDraft(settings.relayFrom)
  const effective = endpointLocked ? (settings.legacyEndpoint ?? '') : endpoint
  return (
    <div className="card" data-dispatch="legacy-settings">
      <h3>{t('email_legacyTitle')}</h3>
      <p className="warn" role="note" data-dispatch="legacy-deliverability">
        {t('email_legacyWarn')}
      </p>
      <TextField
        id="legacy-endpoint"
        label={t('email_legacyEndpoint')}
        type="url"
        size={50}
        data-dispatch="legacy-endpoint"
        value={effective}
        locked={endpointLocked}
        onValue={setEndpoint}
      />
      <TextField
        id="legacy-token"
        label={t('email_legacyToken')}
        type="password"
        size={50}
        autoComplete="off"
        data-dispatch="legacy-token"
        value={token}
        onValue={setToken}
      />
      <TextField
        id="legacy-from"
        label={t('email_from')}
        type="email"
        size={40}
        data-dispatch="legacy-from"
        value={from}
        onValue={setFrom}
      />
      <div className="row" style={{ marginTop: 10 }}>
        <button
          type="button"
          className="primary"
          data-dispatch="legacy-save"
          disabled={busy !== null || !effective.trim() || !from.trim()}
          onClick={() =>
            run('legacy', async () => {
              const refused = await grantOrigins([effective])
              if (refused) throw new RequestFailed(denied(refused))
              await call('settings.set', {
                patch: {
                  ...(endpointLocked ? {} : { legacyEndpoint: effective.trim() }),
                  legacyToken: token.trim(),
                  relayFrom: from.trim(),
                  repChannel: 'legacy',
                },
              })
            })
          }
        >
          {t('email_saveLegacy')}
        </button>
      </div>
      {noticeFor('legacy')}
    </div>
  )
}

const STATUS_ORDER = ['error', 'missing', 'warn', 'info', 'ok'] as const

function Advisor(p: {
  settings: Settings
  defaultChannel: ChannelKind
  legacyOffered: boolean
  busy: Section | null
  setBusy: (s: Section | null) => void
  notice: Notice | null
  setNotice: (n: Notice | null) => void
}) {
  const { settings } = p
  const [domain, setDomain] = useState('')
  const [channel, setChannel] = useState<ChannelKind | null>(null)
  const [include, setInclude] = useDraft(settings.relaySpfInclude)
  const [report, setReport] = useState<AdvisorReport | null>(null)
  const checked = channel ?? p.defaultChannel
  const resolver = settings.dohResolver || DEFAULT_DOH_RESOLVER
  const check = async () => {
    p.setBusy('advisor')
    p.setNotice(null)
    try {
      const refused = await grantOrigins([resolver])
      if (refused) throw new RequestFailed(denied(refused))
      if (checked === 'smtp' && include.trim() !== (settings.relaySpfInclude ?? '')) {
        await call('settings.set', { patch: { relaySpfInclude: include.trim() } })
      }
      setReport(await call('advisor.check', { ...(domain.trim() ? { domain: domain.trim() } : {}), channel: checked }))
    } catch (err) {
      setReport(null)
      p.setNotice({ section: 'advisor', error: toInfo(err) })
    } finally {
      p.setBusy(null)
    }
  }
  const findings = report
    ? [...report.findings].sort((a, b) => STATUS_ORDER.indexOf(a.status) - STATUS_ORDER.indexOf(b.status))
    : []
  return (
    <div data-dispatch="advisor">
      <h3>{t('email_advisorTitle')}</h3>
      <p className="muted">{t('email_advisorHelp')}</p>
      <div className="row">
        <div>
          <TextField
            id="advisor-domain"
            label={t('email_advisorDomain')}
            data-dispatch="advisor-domain"
            placeholder={settings.sendingDomain || settings.relayFrom || 'example.com'}
            value={domain}
            onValue={setDomain}
          />
        </div>
        <div>
          <label htmlFor="advisor-channel">{t('email_advisorChannel')}</label>
          <select
            id="advisor-channel"
            data-dispatch="advisor-channel"
            value={checked}
            onChange={(e) => setChannel(e.target.value as ChannelKind)}
          >
            {(['gmail', 'exchange', 'smtp', ...(p.legacyOffered ? ['legacy' as const] : [])] as ChannelKind[]).map(
              (k) => (
                <option key={k} value={k}>
                  {channelName(k)}
                </option>
              ),
            )}
          </select>
        </div>
        {checked === 'smtp' && (
          <div>
            <TextField
              id="advisor-include"
              label={t('email_advisorSpfInclude')}
              data-dispatch="advisor-spf-include"
              value={include}
              onValue={setInclude}
            />
          </div>
        )}
      </div>
      <div className="row" style={{ marginTop: 8 }}>
        <button type="button" data-dispatch="advisor-check" disabled={p.busy !== null} onClick={() => void check()}>
          {p.busy === 'advisor' ? t('email_advisorChecking') : t('email_advisorCheck')}
        </button>
      </div>
      {p.notice?.section === 'advisor' && p.notice.error && (
        <p className="error" role="alert" data-dispatch="advisor-error">
          {shownError(p.notice.error)}
        </p>
      )}
      {report && (
        <div data-dispatch="advisor-report" data-domain={report.domain} data-channel={report.channel}>
          <p>
            <strong>{t('email_advisorFor', [report.domain, channelName(report.channel)])}</strong>
          </p>
          <ul className="list" data-dispatch="advisor-findings">
            {findings.map((f, i) => (
              <li key={`${f.code}-${f.name}-${i}`} data-record={f.record} data-code={f.code} data-status={f.status}>
                <span className={f.status === 'ok' ? 'badge ok' : 'badge'}>{t(`advisor_status_${f.status}`)}</span>{' '}
                <strong>{f.record.toUpperCase()}</strong> {t(`advisor_${f.code}`, f.params)}
                {f.code === 'spf_missing' && f.params[1] && (
                  <div className="small">
                    <code>{t('advisor_spfSuggest', f.params[1])}</code>
                  </div>
                )}
                {f.found && (
                  <div className="small muted">
                    {t('email_advisorFound')} <code style={{ wordBreak: 'break-all' }}>{f.found}</code>
                  </div>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  )
}

function AdminCard({
  settings,
  isLocked,
  busy,
  run,
  noticeFor,
}: CardProps & { isLocked: (k: keyof AdminSettings) => boolean }) {
  const [team, setTeam] = useState<ChannelKind | '' | null>(null)
  const [legacy, setLegacy] = useState<boolean | null>(null)
  const [doh, setDoh] = useDraft(settings.dohResolver)
  const teamValue = team ?? settings.teamChannel ?? ''
  const legacyValue = legacy ?? settings.legacyAccount === true
  return (
    <div className="card" data-dispatch="admin-settings">
      <h3>{t('email_adminTitle')}</h3>
      <p className="small muted">{t('email_adminHelp')}</p>
      <label htmlFor="admin-team-channel">{t('email_teamChannel')}</label>
      <select
        id="admin-team-channel"
        data-dispatch="admin-team-channel"
        value={teamValue}
        disabled={isLocked('teamChannel')}
        onChange={(e) => setTeam(e.target.value as ChannelKind | '')}
      >
        <option value="">{t('email_teamChannelNone')}</option>
        {(['gmail', 'exchange', 'smtp', 'legacy'] as const).map((k) => (
          <option key={k} value={k}>
            {channelName(k)}
          </option>
        ))}
      </select>
      <LockedNote locked={isLocked('teamChannel')} />
      <label className="row" style={{ fontWeight: 'normal' }}>
        <input
          type="checkbox"
          data-dispatch="admin-legacy-account"
          checked={legacyValue}
          disabled={isLocked('legacyAccount')}
          onChange={(e) => setLegacy(e.target.checked)}
        />
        {t('email_legacyAccount')}
      </label>
      <LockedNote locked={isLocked('legacyAccount')} />
      <TextField
        id="admin-doh"
        label={t('email_dohResolver')}
        type="url"
        size={50}
        data-dispatch="admin-doh"
        placeholder={DEFAULT_DOH_RESOLVER}
        value={doh}
        locked={isLocked('dohResolver')}
        onValue={setDoh}
        help={t('email_dohHelp', DEFAULT_DOH_RESOLVER)}
      />
      <div className="row" style={{ marginTop: 10 }}>
        <button
          type="button"
          className="primary"
          data-dispatch="admin-save"
          disabled={busy !== null}
          onClick={() =>
            run('admin', async () => {
              const patch: Record<string, unknown> = {}
              if (!isLocked('teamChannel') && team !== null) patch.teamChannel = team || null
              if (!isLocked('legacyAccount') && legacy !== null) patch.legacyAccount = legacy
              if (!isLocked('dohResolver')) patch.dohResolver = doh.trim()
              if (patch.dohResolver) {
                const refused = await grantOrigins([doh])
                if (refused) throw new RequestFailed(denied(refused))
              }
              await call('settings.set', { patch })
            })
          }
        >
          {t('email_saveAdmin')}
        </button>
      </div>
      {noticeFor('admin')}
    </div>
  )
}
