import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react'
import { parseAddressList } from '../../core/address.ts'
import type { OutboxStatus, Responses } from '../../core/messages.ts'
import { renderTemplate, variablesFor } from '../../core/templating.ts'
import { epochToZoned, isValidZone, zonedToEpoch } from '../../core/time.ts'
import type { ErrorInfo, OutgoingMessage, Template } from '../../core/types.ts'
import { errorText, formatRelative, formatTime, t } from '../../ui/i18n.ts'
import { call, RequestFailed } from '../../ui/messaging.ts'
import type { ComposeFields, ComposeHandle, MailboxHint } from '../shared/compose.ts'
import { onContextChanged } from './toast.ts'

export interface SidebarProps {
  handle: ComposeHandle
  host: 'gmail' | 'outlook'
  mailboxHint: () => MailboxHint
  /** Called with the first status of a send; the page toast follows it from there. */
  onQueued: (status: OutboxStatus, subject: string) => void
  /** The floating panel (detection failed) asks for recipients and subject itself. */
  floating?: boolean
}

type Context = Responses['compose.context']
type CampaignSummary = Responses['campaigns.list'][number]

function allRecipients(f: Pick<ComposeFields, 'to' | 'cc' | 'bcc'>): string[] {
  return [...f.to, ...f.cc, ...f.bcc]
}

function localZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  } catch {
    return 'UTC'
  }
}

const ZONES: string[] = (() => {
  try {
    return (Intl as unknown as { supportedValuesOf(k: string): string[] }).supportedValuesOf('timeZone')
  } catch {
    return ['UTC']
  }
})()

/**
 * The compose sidebar: who sends, templates, campaign, schedule, budget and warnings, and Send with
 * Dispatch. It reads the host compose through its ComposeHandle and never holds a token: the worker
 * does the sending.
 */
export function Sidebar({ handle, host, mailboxHint, onQueued, floating }: SidebarProps) {
  const uid = useId()
  const [ctx, setCtx] = useState<Context | null>(null)
  const [ctxError, setCtxError] = useState<ErrorInfo | null>(null)
  const [templates, setTemplates] = useState<Template[]>([])
  const [campaigns, setCampaigns] = useState<CampaignSummary[]>([])
  const [templateId, setTemplateId] = useState('')
  const [campaignId, setCampaignId] = useState('')
  const [recipients, setRecipients] = useState<string[]>([])
  const [missingVars, setMissingVars] = useState<string[]>([])
  const [scheduleOn, setScheduleOn] = useState(false)
  const [initial] = useState(() => epochToZoned(Date.now() + 3600_000, localZone()))
  const [date, setDate] = useState(initial.date)
  const [time, setTime] = useState(initial.time)
  // "Now" for render-time comparisons, moved forward by the periodic refresh (renders stay pure).
  const [now, setNow] = useState(() => Date.now())
  const [zone, setZone] = useState(localZone())
  const [busy, setBusy] = useState<'send' | 'connect' | 'enrol' | null>(null)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const [notice, setNotice] = useState('')
  const [confirmEmptySubject, setConfirmEmptySubject] = useState(false)
  const [collapsed, setCollapsed] = useState(false)
  const [floatTo, setFloatTo] = useState('')
  const [floatSubject, setFloatSubject] = useState('')
  const refreshTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined)

  const readFields = useCallback((): ComposeFields => {
    const f = handle.read()
    if (!floating) return f
    return { ...f, to: floatTo ? [floatTo] : [], subject: floatSubject }
  }, [handle, floating, floatTo, floatSubject])

  const refresh = useCallback(async () => {
    const fields = readFields()
    const list = allRecipients(fields)
    try {
      const c = await call('compose.context', { accountHint: mailboxHint(), recipients: list, composeId: handle.id })
      setRecipients(list)
      setNow(Date.now())
      setCtx(c)
      setCtxError(null)
    } catch (err) {
      setCtxError(err instanceof RequestFailed ? err.info : { code: 'internal', message: String(err) })
    }
  }, [handle, mailboxHint, readFields])

  // Context on mount, then again whenever the rep edits the compose (debounced).
  useEffect(() => {
    // refresh() sets state only after awaiting the worker, never synchronously.
    // eslint-disable-next-line react-hooks/set-state-in-effect
    void refresh()
    void call('templates.list', {}).then(
      (list) => setTemplates(list),
      () => undefined,
    )
    void call('campaigns.list', {}).then(
      (list) => setCampaigns(list),
      () => undefined,
    )
    const root = handle.root
    const onEdit = () => {
      clearTimeout(refreshTimer.current)
      refreshTimer.current = setTimeout(() => void refresh(), 400)
    }
    root.addEventListener('input', onEdit, true)
    root.addEventListener('focusout', onEdit, true)
    const offContext = onContextChanged(onEdit)
    // The budget moves with time even when nothing is typed.
    const tick = setInterval(() => void refresh(), 30_000)
    return () => {
      root.removeEventListener('input', onEdit, true)
      root.removeEventListener('focusout', onEdit, true)
      offContext()
      clearTimeout(refreshTimer.current)
      clearInterval(tick)
    }
  }, [handle, refresh])

  const recipientCount = useMemo(() => parseAddressList(recipients).length, [recipients])
  const perMessage = ctx?.budget?.perMessageRecipients ?? (host === 'gmail' ? 100 : 500)
  const tooMany = recipientCount > perMessage
  const scheduledAt = scheduleOn && isValidZone(zone) ? zonedToEpoch(date, time, zone) : undefined
  const scheduleInvalid = scheduleOn && (scheduledAt === undefined || Number.isNaN(scheduledAt))
  const schedulePast = scheduleOn && scheduledAt !== undefined && scheduledAt < now - 60_000
  const connected = ctx?.mailbox?.status === 'connected'
  const canSend = connected && !ctx?.mismatch && !tooMany && !scheduleInvalid && !schedulePast && busy === null

  const insertTemplate = () => {
    const tpl = templates.find((x) => x.id === templateId)
    if (!tpl) return
    const fields = readFields()
    const first = parseAddressList(fields.to)[0]
    const vars = first ? variablesFor({ address: first.address, name: first.name }) : {}
    const rendered = renderTemplate(tpl, vars)
    handle.insertAtCursor(rendered.html, rendered.html.replace(/<[^>]+>/g, ''))
    if (!fields.subject.trim() && rendered.subject) {
      if (floating) setFloatSubject(rendered.subject)
      else handle.setSubject(rendered.subject)
    }
    setMissingVars(rendered.missing)
    setNotice(t('sidebar_templateInserted', tpl.name))
  }

  const connect = async () => {
    setBusy('connect')
    setError(null)
    try {
      await call('auth.connect', { accountHint: mailboxHint() })
      await refresh()
    } catch (err) {
      setError(err instanceof RequestFailed ? err.info : { code: 'internal', message: String(err) })
    } finally {
      setBusy(null)
    }
  }

  const enrol = async () => {
    if (!campaignId) return
    const people = parseAddressList(readFields().to).map((p) => ({ address: p.address, name: p.name || undefined }))
    if (people.length === 0) {
      setError({ code: 'no_recipients', message: 'No recipients' })
      return
    }
    setBusy('enrol')
    setError(null)
    try {
      const r = await call('campaign.enrol', { campaignId, people })
      setNotice(t('sidebar_enrolled', [r.enrolled, r.skipped.length]))
    } catch (err) {
      setError(err instanceof RequestFailed ? err.info : { code: 'internal', message: String(err) })
    } finally {
      setBusy(null)
    }
  }

  const send = async () => {
    const fields = readFields()
    // An inline reply without a subject takes the thread's ("Re: …"), as both hosts do.
    const isInlineReply = handle.kind === 'inline' && !fields.subject
    if (!fields.subject.trim() && !isInlineReply && !confirmEmptySubject) {
      setConfirmEmptySubject(true)
      return
    }
    setBusy('send')
    setError(null)
    const hint = handle.threadHint()
    const message: OutgoingMessage = {
      to: fields.to,
      cc: fields.cc,
      bcc: fields.bcc,
      subject: fields.subject,
      html: fields.html,
      text: fields.text,
      ...(hint.providerThreadId ? { providerThreadId: hint.providerThreadId } : {}),
      ...(hint.providerMessageId ? { replyToProviderMessageId: hint.providerMessageId } : {}),
      ...(hint.inReplyTo ? { inReplyTo: hint.inReplyTo } : {}),
    }
    try {
      const status = await call('compose.send', {
        requestId: crypto.randomUUID(),
        composeId: handle.id,
        accountHint: mailboxHint(),
        message,
        ...(scheduledAt !== undefined ? { scheduledAt, timeZone: zone } : {}),
        ...(templateId ? { templateId } : {}),
        ...(campaignId ? { campaignId } : {}),
      })
      onQueued(status, fields.subject)
      // The worker has the message: the native compose closes, the toast follows the send.
      if (!floating) handle.close()
    } catch (err) {
      // The compose stays open with everything the rep wrote.
      setError(err instanceof RequestFailed ? err.info : { code: 'internal', message: String(err) })
      setBusy(null)
    }
  }

  // Optional (off by default): the host's own Send button and Ctrl/Cmd+Enter send with Dispatch.
  const sendRef = useRef(send)
  useEffect(() => {
    sendRef.current = send
  })
  const intercept = ctx?.interceptNativeSend === true && connected && !floating
  useEffect(() => {
    if (!intercept) return
    const button = handle.nativeSendButton()
    const onClick = (e: Event) => {
      e.preventDefault()
      e.stopImmediatePropagation()
      void sendRef.current()
    }
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) onClick(e)
    }
    button?.addEventListener('click', onClick, true)
    handle.root.addEventListener('keydown', onKey as EventListener, true)
    return () => {
      button?.removeEventListener('click', onClick, true)
      handle.root.removeEventListener('keydown', onKey as EventListener, true)
    }
  }, [intercept, handle])

  if (collapsed) {
    return (
      <aside className="dsp dsp-collapsed" aria-label={t('sidebar_label')}>
        <button
          type="button"
          className="dsp-expand"
          aria-expanded="false"
          onClick={() => setCollapsed(false)}
          title={t('sidebar_expand')}
        >
          <span aria-hidden="true">✈</span>
          <span className="dsp-sr">{t('sidebar_expand')}</span>
        </button>
      </aside>
    )
  }

  const mailbox = ctx?.mailbox
  const budget = ctx?.budget
  const suppressed = ctx?.suppressed ?? []
  return (
    <aside className="dsp" aria-label={t('sidebar_label')}>
      <header className="dsp-head">
        <h2 className="dsp-title">{t('extName')}</h2>
        <button
          type="button"
          className="dsp-icon"
          aria-expanded="true"
          onClick={() => setCollapsed(true)}
          title={t('sidebar_collapse')}
        >
          <span aria-hidden="true">–</span>
          <span className="dsp-sr">{t('sidebar_collapse')}</span>
        </button>
      </header>

      <section className="dsp-section" aria-labelledby={`${uid}-mb`}>
        <h3 id={`${uid}-mb`} className="dsp-sr">
          {t('sidebar_mailbox')}
        </h3>
        {!ctx && !ctxError && <p className="dsp-muted">{t('sidebar_loading')}</p>}
        {ctxError && (
          <p
            className="dsp-error"
            role="alert"
            data-dispatch="error"
            data-code={ctxError.code}
            title={ctxError.message}
          >
            {errorText(ctxError)}
          </p>
        )}
        {ctx && mailbox && (
          <p className="dsp-mailbox" data-dispatch="mailbox">
            <span className={`dsp-dot dsp-dot-${mailbox.status}`} aria-hidden="true" />
            {t(mailbox.status === 'connected' ? 'sidebar_sendingAs' : 'sidebar_mailboxNeedsSignIn', [
              mailbox.address,
              t(ctx.channel === 'gmail' ? 'channel_gmail' : 'channel_exchange'),
            ])}
          </p>
        )}
        {ctx && mailbox?.status !== 'connected' && (
          <button
            type="button"
            className="dsp-button"
            data-dispatch="connect"
            onClick={connect}
            disabled={busy !== null}
          >
            {busy === 'connect'
              ? t('sidebar_connecting')
              : t(host === 'gmail' ? 'sidebar_connectGmail' : 'sidebar_connectOutlook')}
          </button>
        )}
        {ctx?.mismatch && (
          <p className="dsp-warn" role="alert" data-dispatch="mismatch">
            {t('sidebar_accountMismatch', [ctx.mismatch.tabAddress ?? '?', ctx.mismatch.connected])}
          </p>
        )}
      </section>

      {floating && (
        <section className="dsp-section">
          <p className="dsp-muted">{t('sidebar_floatingHelp')}</p>
          <label className="dsp-label" htmlFor={`${uid}-fto`}>
            {t('sidebar_to')}
          </label>
          <input
            id={`${uid}-fto`}
            className="dsp-input"
            type="email"
            value={floatTo}
            onChange={(e) => setFloatTo(e.target.value)}
          />
          <label className="dsp-label" htmlFor={`${uid}-fsub`}>
            {t('sidebar_subject')}
          </label>
          <input
            id={`${uid}-fsub`}
            className="dsp-input"
            value={floatSubject}
            onChange={(e) => setFloatSubject(e.target.value)}
          />
        </section>
      )}

      <section className="dsp-section">
        <label className="dsp-label" htmlFor={`${uid}-tpl`}>
          {t('sidebar_template')}
        </label>
        <div className="dsp-row">
          <select
            id={`${uid}-tpl`}
            className="dsp-input"
            value={templateId}
            onChange={(e) => setTemplateId(e.target.value)}
            data-dispatch="template"
          >
            <option value="">{templates.length ? t('sidebar_templateNone') : t('sidebar_templateEmpty')}</option>
            {templates.map((tpl) => (
              <option key={tpl.id} value={tpl.id}>
                {tpl.name}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="dsp-button dsp-secondary"
            onClick={insertTemplate}
            disabled={!templateId}
            data-dispatch="insert-template"
          >
            {t('sidebar_insert')}
          </button>
        </div>
        {missingVars.length > 0 && (
          <p className="dsp-warn" role="status" data-dispatch="missing-variables">
            {t('sidebar_missingVariables', missingVars.map((v) => `{{${v}}}`).join(', '))}
          </p>
        )}
      </section>

      <section className="dsp-section">
        <label className="dsp-label" htmlFor={`${uid}-cmp`}>
          {t('sidebar_campaign')}
        </label>
        <div className="dsp-row dsp-row-wrap">
          <select
            id={`${uid}-cmp`}
            className="dsp-input"
            value={campaignId}
            onChange={(e) => setCampaignId(e.target.value)}
            data-dispatch="campaign"
          >
            <option value="">{campaigns.length ? t('sidebar_campaignNone') : t('sidebar_campaignEmpty')}</option>
            {campaigns.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="dsp-button dsp-secondary"
            onClick={enrol}
            disabled={!campaignId || busy !== null}
            data-dispatch="enrol"
          >
            {t('sidebar_addToCampaign')}
          </button>
        </div>
      </section>

      <section className="dsp-section">
        <label className="dsp-check">
          <input
            type="checkbox"
            checked={scheduleOn}
            onChange={(e) => setScheduleOn(e.target.checked)}
            data-dispatch="schedule"
          />
          {t('sidebar_sendLater')}
        </label>
        {scheduleOn && (
          <fieldset className="dsp-schedule">
            <legend className="dsp-sr">{t('sidebar_sendLater')}</legend>
            <label className="dsp-label" htmlFor={`${uid}-date`}>
              {t('sidebar_date')}
            </label>
            <input
              id={`${uid}-date`}
              className="dsp-input"
              type="date"
              value={date}
              onChange={(e) => setDate(e.target.value)}
            />
            <label className="dsp-label" htmlFor={`${uid}-time`}>
              {t('sidebar_time')}
            </label>
            <input
              id={`${uid}-time`}
              className="dsp-input"
              type="time"
              value={time}
              onChange={(e) => setTime(e.target.value)}
            />
            <label className="dsp-label" htmlFor={`${uid}-tz`}>
              {t('sidebar_timeZone')}
            </label>
            <select id={`${uid}-tz`} className="dsp-input" value={zone} onChange={(e) => setZone(e.target.value)}>
              {(ZONES.includes(zone) ? ZONES : [zone, ...ZONES]).map((z) => (
                <option key={z} value={z}>
                  {z.replace(/_/g, ' ')}
                </option>
              ))}
            </select>
            {schedulePast && (
              <p className="dsp-warn" role="alert">
                {t('sidebar_schedulePast')}
              </p>
            )}
          </fieldset>
        )}
      </section>

      {budget && (
        <section className="dsp-section dsp-budget" aria-live="polite" data-dispatch="budget">
          <p>{t('sidebar_budget', [budget.minuteRemaining, budget.dayRemaining])}</p>
          <p className="dsp-muted" data-dispatch="eta">
            {budget.eta < 0
              ? t('sidebar_etaNever')
              : scheduledAt !== undefined && !Number.isNaN(scheduledAt)
                ? t('sidebar_etaScheduled', formatTime(Math.max(scheduledAt, budget.eta)))
                : budget.eta <= now + 1000
                  ? t('sidebar_etaNow')
                  : t('sidebar_etaLater', [formatTime(budget.eta, { timeStyle: 'short' }), formatRelative(budget.eta)])}
          </p>
        </section>
      )}

      <div className="dsp-warnings" role="status">
        {suppressed.length > 0 && (
          <p className="dsp-warn" data-dispatch="suppressed">
            {t('sidebar_suppressed', suppressed.join(', '))}
          </p>
        )}
        {tooMany && (
          <p className="dsp-warn" data-dispatch="too-many">
            {t('sidebar_tooManyRecipients', [recipientCount, perMessage])}
          </p>
        )}
        {confirmEmptySubject && <p className="dsp-warn">{t('sidebar_emptySubject')}</p>}
        {ctx && !ctx.bounceTracking && <p className="dsp-muted">{t('sidebar_noBounceTracking')}</p>}
      </div>

      {error && (
        <p className="dsp-error" role="alert" data-dispatch="error" data-code={error.code} title={error.message}>
          {errorText(error)}
        </p>
      )}
      {notice && !error && (
        <p className="dsp-notice" role="status">
          {notice}
        </p>
      )}

      <button type="button" className="dsp-button dsp-primary" data-dispatch="send" onClick={send} disabled={!canSend}>
        {busy === 'send'
          ? t('sidebar_sending')
          : confirmEmptySubject
            ? t('sidebar_sendWithoutSubject')
            : scheduleOn
              ? t('sidebar_schedule')
              : t('sidebar_send')}
      </button>
      <p className="dsp-fineprint">{t('sidebar_browserRunning')}</p>
    </aside>
  )
}
