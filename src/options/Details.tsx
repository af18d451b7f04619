import { db } from '../core/db.ts'
import type { BounceRecord, Campaign, OutboxRow, Template } from '../core/types.ts'
import { errorText, formatTime, t } from '../ui/i18n.ts'
import { endReasonText } from '../ui/components/Feed.tsx'
import { useLive } from '../ui/live.ts'

/**
 * What a feed link or a bounce notification opens: one send (`#send=<id>`) or one bounce
 * (`#bounce=<id>`). Everything shown comes from mail or the rep and is rendered as text.
 */

function Field({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <>
      <dt className="muted small">{label}</dt>
      <dd style={{ margin: '0 0 6px' }}>{children}</dd>
    </>
  )
}

function useNames(campaignId?: string, templateId?: string) {
  const campaign = useLive(
    async () => (campaignId ? ((await db().campaigns.get(campaignId)) ?? null) : null),
    `c|${campaignId ?? ''}`,
    null as Campaign | null,
  )
  const template = useLive(
    async () => (templateId ? ((await db().templates.get(templateId)) ?? null) : null),
    `t|${templateId ?? ''}`,
    null as Template | null,
  )
  return { campaign, template }
}

function CampaignLink({ campaign, id }: { campaign: Campaign | null; id?: string }) {
  if (!id) return null
  return <a href={`#campaign=${encodeURIComponent(id)}`}>{campaign?.name ?? t('analytics_unknown')}</a>
}

export function SendDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const row = useLive(
    async () => (await db().outbox.get(id)) ?? null,
    `send|${id}`,
    undefined as OutboxRow | null | undefined,
  )
  const bounces = useLive(
    () => db().bounces.where('outboxId').equals(id).toArray(),
    `sendBounces|${id}`,
    [] as BounceRecord[],
  )
  const { campaign, template } = useNames(row?.campaignId, row?.templateId)
  if (row === undefined) return null
  return (
    <section
      className="card"
      aria-labelledby="send-h"
      data-dispatch="send-detail"
      data-outbox-id={id}
      data-state={row?.state}
    >
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 id="send-h" tabIndex={-1}>
          {t('detail_send')}
        </h2>
        <button type="button" onClick={onClose}>
          {t('detail_close')}
        </button>
      </div>
      {!row ? (
        <p className="warn">{t('detail_sendMissing')}</p>
      ) : (
        <dl>
          <Field label={t('sidebar_subject')}>{row.message.subject || t('toast_noSubject')}</Field>
          <Field label={t('sidebar_to')}>{[...row.message.to, ...row.message.cc, ...row.message.bcc].join(', ')}</Field>
          <Field label={t('campaigns_state')}>
            {t(`detail_state_${row.state}`)}
            {row.state === 'ended' && row.error?.params?.[0]
              ? ` — ${endReasonText(row.error.params[0])}`
              : row.error
                ? ` — ${errorText(row.error)}`
                : ''}
          </Field>
          <Field label={t('detail_when')}>{formatTime(row.sentAt ?? Math.max(row.notBefore, row.nextAttemptAt))}</Field>
          <Field label={t('detail_mailbox')}>
            {row.mailboxId} ({row.channel})
          </Field>
          {row.campaignId && (
            <Field label={t('analytics_campaign')}>
              <CampaignLink campaign={campaign} id={row.campaignId} />
              {row.stepIndex !== undefined ? ` — ${t('detail_step', String(row.stepIndex + 1))}` : ''}
            </Field>
          )}
          {row.templateId && <Field label={t('sidebar_template')}>{template?.name ?? t('analytics_unknown')}</Field>}
          {bounces.length > 0 && (
            <Field label={t('detail_bounces')}>
              <ul className="list">
                {bounces.map((b) => (
                  <li key={b.id}>
                    <a href={`#bounce=${encodeURIComponent(b.id)}`}>
                      {b.recipient} — {t(`bounce_kind_${b.kind}`)} {b.status ?? ''}
                    </a>
                  </li>
                ))}
              </ul>
            </Field>
          )}
        </dl>
      )}
    </section>
  )
}

export function BounceDetail({ id, onClose }: { id: string; onClose: () => void }) {
  const b = useLive(
    async () => (await db().bounces.get(id)) ?? null,
    `bounce|${id}`,
    undefined as BounceRecord | null | undefined,
  )
  const { campaign, template } = useNames(b?.campaignId, b?.templateId)
  if (b === undefined) return null
  return (
    <section className="card" aria-labelledby="bounce-h" data-dispatch="bounce-detail" data-bounce-id={id}>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 id="bounce-h" tabIndex={-1}>
          {t('detail_bounce')}
        </h2>
        <button type="button" onClick={onClose}>
          {t('detail_close')}
        </button>
      </div>
      {!b ? (
        <p className="warn">{t('detail_bounceMissing')}</p>
      ) : (
        <dl>
          <Field label={t('campaigns_person')}>{b.recipient}</Field>
          <Field label={t('detail_kind')}>
            <span data-kind={b.kind}>{t(`bounce_kind_${b.kind}`)}</span>
          </Field>
          <Field label={t('detail_reason')}>
            {b.reason}
            {b.status ? ` (${b.status})` : ''}
          </Field>
          <Field label={t('detail_detected')}>{formatTime(b.detectedAt)}</Field>
          {b.diagnostic && (
            <Field label={t('detail_diagnostic')}>
              <pre style={{ whiteSpace: 'pre-wrap', font: 'inherit', margin: 0 }}>{b.diagnostic}</pre>
            </Field>
          )}
          {b.outboxId && (
            <Field label={t('detail_send')}>
              <a href={`#send=${encodeURIComponent(b.outboxId)}`}>{t('detail_openSend')}</a>
            </Field>
          )}
          {b.campaignId && (
            <Field label={t('analytics_campaign')}>
              <CampaignLink campaign={campaign} id={b.campaignId} />
            </Field>
          )}
          {b.templateId && <Field label={t('sidebar_template')}>{template?.name ?? t('analytics_unknown')}</Field>}
        </dl>
      )}
    </section>
  )
}
