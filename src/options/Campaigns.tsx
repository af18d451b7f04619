import { useId, useState } from 'react'
import {
  AWAITING_SEND,
  previewSchedule,
  SOFT_BOUNCE_LIMIT,
  type StepProblem,
  stepProblems,
} from '../core/campaign-schedule.ts'
import { db } from '../core/db.ts'
import type { Account, Campaign, CampaignStep, Enrolment, ErrorInfo, OutboxRow, Template } from '../core/types.ts'
import { errorText, formatTime, t } from '../ui/i18n.ts'
import { endReasonText } from '../ui/components/Feed.tsx'
import { useLive } from '../ui/live.ts'
import { call, RequestFailed } from '../ui/messaging.ts'

/**
 * Campaigns: the list, the editor (steps with day offset, template and "reply in thread" or "new
 * email"; skip weekends; Remove on Bounce; end on reply) and one campaign's page (#campaign=id) with
 * its people and the steps that will not be sent because the campaign ended for someone.
 */

type Draft = Omit<Campaign, 'id' | 'createdAt'> & { id?: string }

const PEOPLE_SHOWN = 500

function useAction() {
  const [error, setError] = useState<ErrorInfo | null>(null)
  const run = async (fn: () => Promise<unknown>): Promise<boolean> => {
    setError(null)
    try {
      await fn()
      return true
    } catch (err) {
      setError(err instanceof RequestFailed ? err.info : { code: 'internal', message: String(err) })
      return false
    }
  }
  return { error, run }
}

function ErrorLine({ error }: { error: ErrorInfo | null }) {
  return error ? (
    <p className="error" role="alert">
      {errorText(error)}
    </p>
  ) : null
}

export function Campaigns({ openId, onOpen }: { openId: string | null; onOpen: (id: string | null) => void }) {
  const campaigns = useLive(
    async () => (await db().campaigns.orderBy('name').toArray()).filter((c) => !c.archived),
    'campaigns',
    [] as Campaign[],
  )
  const templates = useLive(() => db().templates.orderBy('name').toArray(), 'templates', [] as Template[])
  const [editing, setEditing] = useState<Draft | null>(null)
  const open = openId ? campaigns.find((c) => c.id === openId) : undefined

  if (editing) {
    return <CampaignEditor draft={editing} templates={templates} onDone={() => setEditing(null)} />
  }
  if (openId) {
    return (
      <CampaignPage
        id={openId}
        campaign={open}
        templates={templates}
        onBack={() => onOpen(null)}
        onEdit={(c) => setEditing(c)}
      />
    )
  }
  const blank: Draft = {
    name: '',
    steps: [{ dayOffset: 0, templateId: templates[0]?.id ?? '', mode: 'new' }],
    skipWeekends: true,
    removeOnBounce: true,
    endOnReply: true,
  }
  return (
    <section aria-labelledby="camp-h" data-dispatch="campaigns">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 id="camp-h">{t('campaigns_title')}</h2>
        <button
          type="button"
          onClick={() => setEditing(blank)}
          disabled={templates.length === 0}
          data-dispatch="new-campaign"
        >
          {t('campaigns_new')}
        </button>
      </div>
      <p className="muted small">{t('campaigns_help')}</p>
      {templates.length === 0 && (
        <p className="warn" data-dispatch="campaigns-need-template">
          {t('campaigns_needTemplate')} <a href="#templates">{t('options_tab_templates')}</a>
        </p>
      )}
      {campaigns.length === 0 ? (
        <div className="empty card" data-dispatch="campaigns-empty">
          <p>
            <strong>{t('campaigns_empty')}</strong>
          </p>
          <p className="muted">{t('campaigns_emptyHelp')}</p>
        </div>
      ) : (
        <ul className="list">
          {campaigns.map((c) => (
            <CampaignItem key={c.id} campaign={c} onOpen={() => onOpen(c.id)} onEdit={() => setEditing(c)} />
          ))}
        </ul>
      )}
      <EndedSteps title={t('campaigns_endedAll')} />
    </section>
  )
}

function CampaignItem({ campaign, onOpen, onEdit }: { campaign: Campaign; onOpen: () => void; onEdit: () => void }) {
  const counts = useLive(
    async () => {
      const all = await db().enrolments.where('campaignId').equals(campaign.id).toArray()
      return {
        active: all.filter((e) => e.state === 'active').length,
        completed: all.filter((e) => e.state === 'completed').length,
        ended: all.filter((e) => e.state === 'ended').length,
      }
    },
    `counts|${campaign.id}`,
    { active: 0, completed: 0, ended: 0 },
  )
  const { error, run } = useAction()
  return (
    <li data-campaign-id={campaign.id}>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <span>
          <a
            href={`#campaign=${encodeURIComponent(campaign.id)}`}
            onClick={(e) => {
              e.preventDefault()
              onOpen()
            }}
          >
            <strong>{campaign.name}</strong>
          </a>{' '}
          <span className="muted small">{t('campaigns_stepsCount', String(campaign.steps.length))}</span>
        </span>
        <span className="row">
          <button type="button" onClick={onEdit}>
            {t('options_edit')}
          </button>
          <button
            type="button"
            onClick={() => {
              if (confirm(t('campaigns_deleteConfirm', campaign.name)))
                void run(() => call('campaigns.delete', { id: campaign.id }))
            }}
          >
            {t('options_delete')}
          </button>
        </span>
      </div>
      <div className="small muted">
        {t('campaigns_counts', [counts.active, counts.completed, counts.ended])} ·{' '}
        {[
          campaign.skipWeekends ? t('campaigns_skipWeekends') : null,
          campaign.removeOnBounce ? t('campaigns_removeOnBounce') : null,
          campaign.endOnReply ? t('campaigns_endOnReply') : null,
        ]
          .filter(Boolean)
          .join(' · ')}
      </div>
      <ErrorLine error={error} />
    </li>
  )
}

const PROBLEM_KEYS: Record<StepProblem, string> = {
  no_steps: 'campaigns_problemNoSteps',
  first_step_reply: 'campaigns_problemFirstReply',
  offsets_decrease: 'campaigns_problemOffsets',
  no_template: 'campaigns_problemTemplate',
}

function CampaignEditor({ draft, templates, onDone }: { draft: Draft; templates: Template[]; onDone: () => void }) {
  const [c, setC] = useState<Draft>(draft)
  const accounts = useLive(() => db().accounts.toArray(), 'accounts', [] as Account[])
  const { error, run } = useAction()
  const problems = stepProblems(c.steps)
  const [now] = useState(() => Date.now())
  const preview = previewSchedule(c.steps, now, {
    zone: Intl.DateTimeFormat().resolvedOptions().timeZone,
    skipWeekends: c.skipWeekends,
  })
  const setStep = (i: number, patch: Partial<CampaignStep>) =>
    setC({ ...c, steps: c.steps.map((s, j) => (j === i ? { ...s, ...patch } : s)) })
  const move = (i: number, by: -1 | 1) => {
    const steps = [...c.steps]
    const [s] = steps.splice(i, 1)
    steps.splice(i + by, 0, s!)
    setC({ ...c, steps })
  }
  const save = () =>
    run(async () => {
      await call('campaigns.save', {
        campaign: {
          id: c.id,
          name: c.name.trim(),
          steps: c.steps,
          skipWeekends: c.skipWeekends,
          removeOnBounce: c.removeOnBounce,
          endOnReply: c.endOnReply,
          mailboxId: c.mailboxId || undefined,
        },
      })
      onDone()
    })
  const base = useId()
  const connected = accounts.filter((a) => a.status !== 'disconnected')
  return (
    <section aria-labelledby={`${base}-h`} className="card" data-dispatch="campaign-editor">
      <h2 id={`${base}-h`}>{c.id ? t('campaigns_editTitle') : t('campaigns_new')}</h2>
      <label htmlFor={`${base}-name`}>{t('campaigns_name')}</label>
      <input
        id={`${base}-name`}
        value={c.name}
        maxLength={200}
        onChange={(e) => setC({ ...c, name: e.target.value })}
        data-dispatch="campaign-name"
      />
      <h3>{t('campaigns_steps')}</h3>
      <p className="muted small">{t('campaigns_stepsHelp')}</p>
      <ol className="list" data-dispatch="campaign-steps">
        {c.steps.map((s, i) => (
          <li key={i} data-step={i}>
            <fieldset style={{ border: 0, padding: 0, margin: 0 }}>
              <legend>
                <strong>{t('analytics_stepN', [i + 1, s.dayOffset])}</strong>{' '}
                <span className="muted small">{t('campaigns_stepWhen', formatTime(preview[i] ?? now))}</span>
              </legend>
              <div className="row">
                <label htmlFor={`${base}-day-${i}`} style={{ margin: 0 }}>
                  {t('campaigns_day')}
                </label>
                <input
                  id={`${base}-day-${i}`}
                  type="number"
                  min={0}
                  max={365}
                  style={{ width: 72 }}
                  value={s.dayOffset}
                  onChange={(e) =>
                    setStep(i, { dayOffset: Math.max(0, Math.min(365, Math.trunc(Number(e.target.value) || 0))) })
                  }
                />
                <label htmlFor={`${base}-tpl-${i}`} style={{ margin: 0 }}>
                  {t('sidebar_template')}
                </label>
                <select
                  id={`${base}-tpl-${i}`}
                  value={s.templateId}
                  onChange={(e) => setStep(i, { templateId: e.target.value })}
                >
                  <option value="">{t('sidebar_templateNone')}</option>
                  {templates.map((tpl) => (
                    <option key={tpl.id} value={tpl.id}>
                      {tpl.name}
                    </option>
                  ))}
                </select>
                <label htmlFor={`${base}-mode-${i}`} style={{ margin: 0 }}>
                  {t('campaigns_sendAs')}
                </label>
                <select
                  id={`${base}-mode-${i}`}
                  value={s.mode}
                  onChange={(e) => setStep(i, { mode: e.target.value as CampaignStep['mode'] })}
                >
                  <option value="new">{t('campaigns_modeNew')}</option>
                  <option value="reply">{t('campaigns_modeReply')}</option>
                </select>
                <button
                  type="button"
                  onClick={() => move(i, -1)}
                  disabled={i === 0}
                  aria-label={t('campaigns_moveUp', String(i + 1))}
                >
                  ↑
                </button>
                <button
                  type="button"
                  onClick={() => move(i, 1)}
                  disabled={i === c.steps.length - 1}
                  aria-label={t('campaigns_moveDown', String(i + 1))}
                >
                  ↓
                </button>
                <button
                  type="button"
                  onClick={() => setC({ ...c, steps: c.steps.filter((_, j) => j !== i) })}
                  disabled={c.steps.length === 1}
                  aria-label={t('campaigns_removeStep', String(i + 1))}
                >
                  {t('options_delete')}
                </button>
              </div>
            </fieldset>
          </li>
        ))}
      </ol>
      <button
        type="button"
        disabled={c.steps.length >= 20}
        onClick={() => {
          const last = c.steps.at(-1)
          setC({
            ...c,
            steps: [
              ...c.steps,
              { dayOffset: (last?.dayOffset ?? 0) + 3, templateId: last?.templateId ?? '', mode: 'reply' },
            ],
          })
        }}
        data-dispatch="add-step"
      >
        {t('campaigns_addStep')}
      </button>
      <h3>{t('campaigns_settings')}</h3>
      <Check
        id={`${base}-skip`}
        checked={c.skipWeekends}
        onChange={(v) => setC({ ...c, skipWeekends: v })}
        label={t('campaigns_skipWeekends')}
        help={t('campaigns_skipWeekendsHelp')}
      />
      <Check
        id={`${base}-rob`}
        checked={c.removeOnBounce}
        onChange={(v) => setC({ ...c, removeOnBounce: v })}
        label={t('campaigns_removeOnBounce')}
        help={t('campaigns_removeOnBounceHelp', String(SOFT_BOUNCE_LIMIT))}
      />
      <Check
        id={`${base}-eor`}
        checked={c.endOnReply}
        onChange={(v) => setC({ ...c, endOnReply: v })}
        label={t('campaigns_endOnReply')}
        help={t('campaigns_endOnReplyHelp')}
      />
      {connected.length > 1 && (
        <>
          <label htmlFor={`${base}-mb`}>{t('campaigns_mailbox')}</label>
          <select
            id={`${base}-mb`}
            value={c.mailboxId ?? ''}
            onChange={(e) => setC({ ...c, mailboxId: e.target.value || undefined })}
          >
            <option value="">{t('campaigns_mailboxDefault')}</option>
            {connected.map((a) => (
              <option key={a.id} value={a.id}>
                {a.address}
              </option>
            ))}
          </select>
        </>
      )}
      <p className="muted small">{t('campaigns_channelNote')}</p>
      {problems.length > 0 && (
        <ul className="warn" aria-live="polite">
          {problems.map((p) => (
            <li key={p}>{t(PROBLEM_KEYS[p])}</li>
          ))}
        </ul>
      )}
      <ErrorLine error={error} />
      <div className="row">
        <button
          type="button"
          className="primary"
          onClick={() => void save()}
          disabled={!c.name.trim() || problems.length > 0}
          data-dispatch="save-campaign"
        >
          {t('options_save')}
        </button>
        <button type="button" onClick={onDone}>
          {t('options_cancel')}
        </button>
      </div>
    </section>
  )
}

function Check({
  id,
  checked,
  onChange,
  label,
  help,
}: {
  id: string
  checked: boolean
  onChange: (v: boolean) => void
  label: string
  help: string
}) {
  return (
    <div style={{ margin: '6px 0' }}>
      <label htmlFor={id} style={{ display: 'inline', fontWeight: 500 }}>
        <input
          id={id}
          type="checkbox"
          checked={checked}
          onChange={(e) => onChange(e.target.checked)}
          aria-describedby={`${id}-help`}
        />{' '}
        {label}
      </label>
      <div id={`${id}-help`} className="muted small">
        {help}
      </div>
    </div>
  )
}

function stateText(e: Enrolment, steps: number): string {
  if (e.state === 'completed') return t('campaigns_stateCompleted')
  if (e.state === 'ended') return t('campaigns_stateEnded', endReasonText(e.endedReason))
  if (e.nextDueAt >= AWAITING_SEND) return t('campaigns_stateQueued', [e.nextStep + 1, steps])
  return t('campaigns_stateDue', [e.nextStep + 1, steps, formatTime(e.nextDueAt)])
}

function CampaignPage({
  id,
  campaign,
  templates,
  onBack,
  onEdit,
}: {
  id: string
  campaign: Campaign | undefined
  templates: Template[]
  onBack: () => void
  onEdit: (c: Campaign) => void
}) {
  const people = useLive(
    () => db().enrolments.where('campaignId').equals(id).reverse().limit(PEOPLE_SHOWN).toArray(),
    `people|${id}`,
    [] as Enrolment[],
  )
  const total = useLive(() => db().enrolments.where('campaignId').equals(id).count(), `peopleCount|${id}`, 0)
  const { error, run } = useAction()
  if (!campaign) {
    return (
      <section data-dispatch="campaign-missing">
        <p className="warn">{t('campaigns_notFound')}</p>
        <button type="button" onClick={onBack}>
          {t('campaigns_back')}
        </button>
      </section>
    )
  }
  const nameOf = (tid: string) => templates.find((x) => x.id === tid)?.name ?? t('analytics_unknown')
  return (
    <section aria-labelledby="cp-h" data-dispatch="campaign-page" data-campaign-id={campaign.id}>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 id="cp-h" tabIndex={-1}>
          {campaign.name}
        </h2>
        <span className="row">
          <button type="button" onClick={() => onEdit(campaign)}>
            {t('options_edit')}
          </button>
          <a href="#analytics">{t('options_tab_analytics')}</a>
          <button type="button" onClick={onBack}>
            {t('campaigns_back')}
          </button>
        </span>
      </div>
      <ol className="small">
        {campaign.steps.map((s, i) => (
          <li key={i}>
            {t('analytics_stepN', [i + 1, s.dayOffset])}: {nameOf(s.templateId)} —{' '}
            {s.mode === 'reply' ? t('campaigns_modeReply') : t('campaigns_modeNew')}
          </li>
        ))}
      </ol>
      <p className="muted small">{t('campaigns_addPeopleHelp')}</p>
      <ErrorLine error={error} />
      <h3>{t('campaigns_people', String(total))}</h3>
      {people.length === 0 ? (
        <p data-dispatch="people-empty">{t('campaigns_peopleEmpty')}</p>
      ) : (
        <table data-dispatch="people">
          <caption className="sr">{t('campaigns_people', String(total))}</caption>
          <thead>
            <tr>
              <th scope="col">{t('campaigns_person')}</th>
              <th scope="col">{t('campaigns_state')}</th>
              <th scope="col">{t('campaigns_enrolledAt')}</th>
              <th scope="col">
                <span className="sr">{t('campaigns_actions')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {people.map((e) => (
              <tr key={e.id} data-enrolment={e.address} data-state={e.state} data-reason={e.endedReason}>
                <th scope="row">
                  {e.name ? `${e.name} ` : ''}
                  <span className="muted small">{e.address}</span>
                </th>
                <td>{stateText(e, campaign.steps.length)}</td>
                <td className="small">{formatTime(e.enrolledAt)}</td>
                <td>
                  {e.state === 'active' && (
                    <button
                      type="button"
                      onClick={() => void run(() => call('campaign.remove', { enrolmentId: e.id }))}
                      aria-label={t('campaigns_removePerson', e.address)}
                    >
                      {t('campaigns_remove')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {total > people.length && <p className="muted small">{t('campaigns_peopleMore', [people.length, total])}</p>}
      <EndedSteps title={t('campaigns_ended')} campaignId={campaign.id} />
    </section>
  )
}

/** "Campaign has ended": steps that will not be sent, with the reason. */
function EndedSteps({ title, campaignId }: { title: string; campaignId?: string }) {
  const rows = useLive(
    async () => {
      const ended = campaignId
        ? await db()
            .outbox.where('campaignId')
            .equals(campaignId)
            .filter((r) => r.state === 'ended')
            .toArray()
        : await db().outbox.where('state').equals('ended').toArray()
      // Newest first; one person's steps together, in step order.
      return ended
        .sort(
          (a, b) =>
            b.nextAttemptAt - a.nextAttemptAt ||
            (a.enrolmentId ?? '').localeCompare(b.enrolmentId ?? '') ||
            (a.stepIndex ?? 0) - (b.stepIndex ?? 0),
        )
        .slice(0, 200)
    },
    `ended|${campaignId ?? ''}`,
    [] as OutboxRow[],
  )
  const campaigns = useLive(() => db().campaigns.toArray(), 'campaigns-all', [] as Campaign[])
  const headingId = useId()
  if (rows.length === 0) return null
  return (
    <section aria-labelledby={headingId} data-dispatch="campaign-ended">
      <h3 id={headingId}>{title}</h3>
      <ul className="list">
        {rows.map((r) => (
          <li key={r.id} data-outbox-id={r.id} data-state={r.state} data-step={r.stepIndex}>
            <strong>{r.message.to[0]}</strong> —{' '}
            {t('campaigns_endedStep', [(r.stepIndex ?? 0) + 1, endReasonText(r.error?.params?.[0])])}
            {!campaignId && (
              <>
                {' '}
                <a href={`#campaign=${encodeURIComponent(r.campaignId ?? '')}`}>
                  {campaigns.find((c) => c.id === r.campaignId)?.name ?? ''}
                </a>
              </>
            )}
            <div className="muted small">{r.message.subject}</div>
          </li>
        ))}
      </ul>
    </section>
  )
}
