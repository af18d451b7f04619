import { Dexie } from 'dexie'
import { useEffect, useId, useMemo, useRef, useState } from 'react'
import {
  bucketSeries,
  campaignFunnel,
  type DayPoint,
  type DayRange,
  dailySeries,
  extentOf,
  lastDays,
  niceScale,
  type Totals,
  totalsByScope,
  totalsOf,
} from '../core/analytics.ts'
import { db, utcDay } from '../core/db.ts'
import type { Campaign, StatRow, StatScope, Template } from '../core/types.ts'
import { t, uiLanguage } from '../ui/i18n.ts'
import { useLive } from '../ui/live.ts'

/**
 * Template and campaign analytics. Everything comes from the incremental `stats` rows of the chosen
 * range (a few thousand at most), never from the outbox; the page stays live as sends, bounces and
 * replies are counted. The chart is SVG drawn here, with a title, a text summary and a table.
 */

export const CHART_PAINTED_MARK = 'dispatch:analytics-chart-painted'

type Preset = '7' | '30' | '90' | '365' | 'all' | 'custom'

// Intl formatters are slow to build; the page formats a few hundred numbers and dates per render.
let numberFormat: Intl.NumberFormat | undefined
let percentFormat: Intl.NumberFormat | undefined
const dayFormats = new Map<string, Intl.DateTimeFormat>()
const nf = () => (numberFormat ??= new Intl.NumberFormat(uiLanguage()))
const pf = () => (percentFormat ??= new Intl.NumberFormat(uiLanguage(), { style: 'percent', maximumFractionDigits: 1 }))

function percent(v: number | null): string {
  return v === null ? '—' : pf().format(v)
}

function formatDay(day: string, opts: Intl.DateTimeFormatOptions = { dateStyle: 'medium' }): string {
  const key = JSON.stringify(opts)
  let f = dayFormats.get(key)
  if (!f) dayFormats.set(key, (f = new Intl.DateTimeFormat(uiLanguage(), { ...opts, timeZone: 'UTC' })))
  return f.format(new Date(`${day}T00:00:00Z`))
}

async function statsIn(scope: StatScope, range: DayRange | null): Promise<StatRow[]> {
  const [from, to] = range ? [range.from, range.to] : [Dexie.minKey, Dexie.maxKey]
  return db().stats.where('[scope+day]').between([scope, from], [scope, to], true, true).toArray()
}

export function Analytics() {
  const [today] = useState(() => utcDay(Date.now()))
  const [preset, setPreset] = useState<Preset>('30')
  const [custom, setCustom] = useState<DayRange>(() => lastDays(30, today))
  const range: DayRange | null =
    preset === 'all' ? null : preset === 'custom' ? custom : lastDays(Number(preset), today)
  const key = range ? `${range.from}|${range.to}` : 'all'
  const data = useLive(
    async () => {
      const [template, campaign] = await Promise.all([statsIn('template', range), statsIn('campaign', range)])
      return { template, campaign }
    },
    key,
    null as { template: StatRow[]; campaign: StatRow[] } | null,
  )
  const templates = useLive(() => db().templates.toArray(), 'templates', [] as Template[])
  const campaigns = useLive(() => db().campaigns.toArray(), 'campaigns', [] as Campaign[])
  const shownRange = useMemo(
    () => range ?? (data ? extentOf([...data.template, ...data.campaign]) : null) ?? lastDays(30, today),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- `key` is the range's identity.
    [key, data, today],
  )
  const customInvalid = preset === 'custom' && custom.from > custom.to

  return (
    <section aria-labelledby="an-h" data-dispatch="analytics">
      <h2 id="an-h">{t('analytics_title')}</h2>
      <p className="muted small">{t('analytics_help')}</p>
      <div className="row">
        <label htmlFor="an-range" style={{ margin: 0 }}>
          {t('analytics_range')}
        </label>
        <select
          id="an-range"
          value={preset}
          onChange={(e) => setPreset(e.target.value as Preset)}
          data-dispatch="analytics-range"
        >
          <option value="7">{t('analytics_last7')}</option>
          <option value="30">{t('analytics_last30')}</option>
          <option value="90">{t('analytics_last90')}</option>
          <option value="365">{t('analytics_last365')}</option>
          <option value="all">{t('analytics_allTime')}</option>
          <option value="custom">{t('analytics_custom')}</option>
        </select>
        {preset === 'custom' && (
          <>
            <label htmlFor="an-from" style={{ margin: 0 }}>
              {t('analytics_from')}
            </label>
            <input
              id="an-from"
              type="date"
              value={custom.from}
              max={today}
              onChange={(e) => e.target.value && setCustom({ ...custom, from: e.target.value })}
            />
            <label htmlFor="an-to" style={{ margin: 0 }}>
              {t('analytics_to')}
            </label>
            <input
              id="an-to"
              type="date"
              value={custom.to}
              onChange={(e) => e.target.value && setCustom({ ...custom, to: e.target.value })}
            />
          </>
        )}
        <span className="muted small">{t('analytics_utcNote')}</span>
      </div>
      {customInvalid && (
        <p className="error" role="alert">
          {t('analytics_rangeInvalid')}
        </p>
      )}
      {data === null ? (
        <p className="muted" aria-busy="true">
          {t('analytics_loading')}
        </p>
      ) : data.template.length === 0 && data.campaign.length === 0 ? (
        <EmptyAnalytics anyTemplates={templates.length > 0} anyCampaigns={campaigns.length > 0} ranged={!!range} />
      ) : (
        <>
          <ScopeSection
            scope="template"
            title={t('analytics_templates')}
            rows={data.template}
            range={shownRange}
            names={new Map(templates.map((x) => [x.id, x.name]))}
          />
          <ScopeSection
            scope="campaign"
            title={t('analytics_campaigns')}
            rows={data.campaign}
            range={shownRange}
            names={new Map(campaigns.map((x) => [x.id, x.archived ? t('analytics_deleted', x.name) : x.name]))}
          />
          <Funnel campaigns={campaigns} range={range} />
        </>
      )}
    </section>
  )
}

function EmptyAnalytics({
  anyTemplates,
  anyCampaigns,
  ranged,
}: {
  anyTemplates: boolean
  anyCampaigns: boolean
  ranged: boolean
}) {
  return (
    <div className="empty card" data-dispatch="analytics-empty">
      <p>
        <strong>{ranged ? t('analytics_emptyRange') : t('analytics_empty')}</strong>
      </p>
      <ol>
        <li>
          {anyTemplates ? t('analytics_stepTemplateDone') : t('analytics_stepTemplate')}{' '}
          <a href="#templates">{t('options_tab_templates')}</a>
        </li>
        <li>
          {anyCampaigns ? t('analytics_stepCampaignDone') : t('analytics_stepCampaign')}{' '}
          <a href="#campaigns">{t('options_tab_campaigns')}</a>
        </li>
        <li>{t('analytics_stepSend')}</li>
      </ol>
    </div>
  )
}

function ScopeSection({
  scope,
  title,
  rows,
  range,
  names,
}: {
  scope: StatScope
  title: string
  rows: StatRow[]
  range: DayRange
  names: Map<string, string>
}) {
  const [only, setOnly] = useState('')
  const totals = useMemo(() => totalsByScope(rows, scope), [rows, scope])
  const series = useMemo(
    () => dailySeries(rows, scope, range, only ? new Set([only]) : null),
    [rows, scope, range, only],
  )
  const sorted = [...totals].sort((a, b) => b[1].sent - a[1].sent || a[0].localeCompare(b[0]))
  const all = useMemo(() => totalsOf(rows), [rows])
  const nameOf = (id: string) => names.get(id) ?? t('analytics_unknown')
  const headingId = useId()
  const selectId = useId()
  return (
    <section aria-labelledby={headingId} data-analytics-scope={scope}>
      <h3 id={headingId}>{title}</h3>
      <div className="row">
        <label htmlFor={selectId} style={{ margin: 0 }}>
          {t('analytics_chartFor')}
        </label>
        <select id={selectId} value={only} onChange={(e) => setOnly(e.target.value)}>
          <option value="">{scope === 'template' ? t('analytics_allTemplates') : t('analytics_allCampaigns')}</option>
          {sorted.map(([id]) => (
            <option key={id} value={id}>
              {nameOf(id)}
            </option>
          ))}
        </select>
      </div>
      <Chart
        id={`chart-${scope}`}
        title={`${title}: ${only ? nameOf(only) : scope === 'template' ? t('analytics_allTemplates') : t('analytics_allCampaigns')}`}
        points={series}
        scope={scope}
      />
      <table data-dispatch={`analytics-table-${scope}`}>
        <caption className="sr">{t('analytics_tableCaption', title)}</caption>
        <thead>
          <HeaderRow
            first="analytics_name"
            numeric={[
              'analytics_sent',
              'analytics_delivered',
              'analytics_hard',
              'analytics_soft',
              'analytics_bounceRate',
              'analytics_replies',
            ]}
          />
        </thead>
        <tbody>
          {sorted.map(([id, x]) => (
            <TotalsRow key={id} id={id} name={nameOf(id)} totals={x} scope={scope} />
          ))}
        </tbody>
        <tfoot>
          <TotalsRow id="" name={t('analytics_total')} totals={all} scope={scope} />
        </tfoot>
      </table>
    </section>
  )
}

function TotalsRow({ id, name, totals, scope }: { id: string; name: string; totals: Totals; scope: StatScope }) {
  const n = nf()
  return (
    <tr data-scope-id={id || undefined}>
      <th scope="row">
        {id && scope === 'campaign' ? <a href={`#campaign=${encodeURIComponent(id)}`}>{name}</a> : name}
      </th>
      <td className="num" data-stat="sent">
        {n.format(totals.sent)}
      </td>
      <td className="num" data-stat="delivered">
        {n.format(totals.delivered)}
      </td>
      <td className="num" data-stat="hard">
        {n.format(totals.hard)}
      </td>
      <td className="num" data-stat="soft">
        {n.format(totals.soft)}
      </td>
      <td className="num" data-stat="bounceRate">
        {percent(totals.bounceRate)}
      </td>
      <td className="num" data-stat="replies">
        {n.format(totals.replies)}
      </td>
    </tr>
  )
}

const CHART_W = 720
const CHART_H = 220
const PAD = { left: 44, right: 8, top: 10, bottom: 28 }

/** Grouped bars per day (or week): sent, bounced (hard below soft) and replies, on one axis. */
function Chart({ id, title, points, scope }: { id: string; title: string; points: DayPoint[]; scope: StatScope }) {
  const ref = useRef<SVGSVGElement>(null)
  // The day-by-day table is built when opened: it is the largest part of the page.
  const [tableOpen, setTableOpen] = useState(false)
  const bars = useMemo(() => bucketSeries(points, 92), [points])
  const grouped = bars.length < points.length
  const max = Math.max(0, ...bars.map((p) => Math.max(p.sent, p.hard + p.soft, p.replies)))
  const scale = niceScale(max)
  const innerW = CHART_W - PAD.left - PAD.right
  const innerH = CHART_H - PAD.top - PAD.bottom
  const slot = innerW / Math.max(1, bars.length)
  const bw = Math.max(1, (slot * 0.8) / 3)
  const y = (v: number) => PAD.top + innerH - (v / scale.top) * innerH
  const total = totalsOf(points)
  const busiest = points.reduce<DayPoint | null>((b, p) => (p.sent > (b?.sent ?? 0) ? p : b), null)
  const n = nf()
  const summary = [
    t('analytics_summary', [
      formatDay(points[0]?.day ?? ''),
      formatDay(points.at(-1)?.day ?? ''),
      n.format(total.sent),
      n.format(total.bounced),
      percent(total.bounceRate),
      n.format(total.replies),
    ]),
    busiest ? t('analytics_busiest', [formatDay(busiest.day), n.format(busiest.sent)]) : '',
  ]
    .filter(Boolean)
    .join(' ')
  const labelEvery = Math.max(1, Math.ceil(bars.length / 8))

  useEffect(() => {
    // Marks the first chart with data on screen (after the browser painted it), for the benchmark.
    const el = ref.current
    if (!el || el.dataset.chartPainted) return
    const raf = requestAnimationFrame(() =>
      setTimeout(() => {
        el.dataset.chartPainted = '1'
        if (performance.getEntriesByName(CHART_PAINTED_MARK).length === 0) performance.mark(CHART_PAINTED_MARK)
      }, 0),
    )
    return () => cancelAnimationFrame(raf)
  }, [points])

  return (
    <figure style={{ margin: '8px 0' }}>
      <svg
        ref={ref}
        viewBox={`0 0 ${CHART_W} ${CHART_H}`}
        width="100%"
        role="img"
        aria-labelledby={`${id}-t ${id}-d`}
        data-chart={scope}
        style={{ maxWidth: CHART_W, display: 'block' }}
      >
        <title id={`${id}-t`}>{title}</title>
        <desc id={`${id}-d`}>{summary}</desc>
        {scale.values.map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={CHART_W - PAD.right} y1={y(v)} y2={y(v)} stroke="var(--line)" strokeWidth={1} />
            <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end" fontSize={11} fill="var(--muted)">
              {n.format(v)}
            </text>
          </g>
        ))}
        {bars.map((p, i) => {
          const x0 = PAD.left + i * slot + slot * 0.1
          return (
            <g key={p.day}>
              <rect x={x0} y={y(p.sent)} width={bw} height={y(0) - y(p.sent)} fill="var(--accent)" />
              <rect x={x0 + bw} y={y(p.hard)} width={bw} height={y(0) - y(p.hard)} fill="var(--err-fg)" />
              <rect
                x={x0 + bw}
                y={y(p.hard + p.soft)}
                width={bw}
                height={y(p.hard) - y(p.hard + p.soft)}
                fill="var(--warn-fg)"
              />
              <rect x={x0 + 2 * bw} y={y(p.replies)} width={bw} height={y(0) - y(p.replies)} fill="var(--ok)" />
              {i % labelEvery === 0 && (
                <text x={x0} y={CHART_H - 8} fontSize={11} fill="var(--muted)">
                  {formatDay(p.day, { month: 'short', day: 'numeric' })}
                </text>
              )}
            </g>
          )
        })}
        <line x1={PAD.left} x2={CHART_W - PAD.right} y1={y(0)} y2={y(0)} stroke="var(--muted)" strokeWidth={1} />
      </svg>
      <figcaption className="row small">
        <Legend color="var(--accent)" label={t('analytics_sent')} />
        <Legend color="var(--err-fg)" label={t('analytics_hard')} />
        <Legend color="var(--warn-fg)" label={t('analytics_soft')} />
        <Legend color="var(--ok)" label={t('analytics_replies')} />
        {grouped && <span className="muted">{t('analytics_grouped')}</span>}
      </figcaption>
      <p className="small" data-dispatch="chart-summary">
        {summary}
      </p>
      <details onToggle={(e) => setTableOpen((e.target as HTMLDetailsElement).open)}>
        <summary>{t('analytics_showTable')}</summary>
        {tableOpen && (
          <table>
            <caption className="sr">{title}</caption>
            <thead>
              <HeaderRow
                first="analytics_day"
                numeric={['analytics_sent', 'analytics_hard', 'analytics_soft', 'analytics_replies']}
              />
            </thead>
            <tbody>
              {bars.map((p) => (
                <tr key={p.day}>
                  <th scope="row">{formatDay(p.day)}</th>
                  <td className="num">{n.format(p.sent)}</td>
                  <td className="num">{n.format(p.hard)}</td>
                  <td className="num">{n.format(p.soft)}</td>
                  <td className="num">{n.format(p.replies)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </details>
    </figure>
  )
}

function Legend({ color, label }: { color: string; label: string }) {
  return (
    <span className="row" style={{ gap: 4 }}>
      <svg width="10" height="10" aria-hidden="true">
        <rect width="10" height="10" fill={color} />
      </svg>
      {label}
    </span>
  )
}

/** Per-campaign step funnel: how far people got, and what each step drew. */
function Funnel({ campaigns, range }: { campaigns: Campaign[]; range: DayRange | null }) {
  const live = campaigns.filter((c) => c.steps.length > 0)
  const [chosen, setChosen] = useState('')
  const campaign = live.find((c) => c.id === chosen) ?? live[0]
  const id = campaign?.id ?? ''
  const data = useLive(
    async () => {
      if (!id) return null
      const [rows, enrolled] = await Promise.all([
        db()
          .stats.where('[scope+scopeId]')
          .between(['step', `${id}#`], ['step', `${id}#\uffff`], true, true)
          .toArray(),
        db().enrolments.where('campaignId').equals(id).count(),
      ])
      return { rows, enrolled }
    },
    `funnel|${id}`,
    null as { rows: StatRow[]; enrolled: number } | null,
  )
  const steps =
    campaign && data ? campaignFunnel(campaign.id, campaign.steps.length, data.rows, data.enrolled, range) : []
  const n = nf()
  const widest = Math.max(1, data?.enrolled ?? 0, ...steps.map((s) => s.sent))
  if (!campaign) return null
  return (
    <section aria-labelledby="funnel-h" data-dispatch="funnel">
      <h3 id="funnel-h">{t('analytics_funnel')}</h3>
      <div className="row">
        <label htmlFor="funnel-c" style={{ margin: 0 }}>
          {t('analytics_campaign')}
        </label>
        <select id="funnel-c" value={campaign.id} onChange={(e) => setChosen(e.target.value)}>
          {live.map((c) => (
            <option key={c.id} value={c.id}>
              {c.archived ? t('analytics_deleted', c.name) : c.name}
            </option>
          ))}
        </select>
      </div>
      <table>
        <caption className="sr">{t('analytics_funnelCaption', campaign.name)}</caption>
        <thead>
          <HeaderRow
            first="analytics_step"
            numeric={['analytics_sent', 'analytics_reach', 'analytics_bounced', 'analytics_replies']}
            bar
          />
        </thead>
        <tbody>
          <tr>
            <th scope="row">{t('analytics_enrolled')}</th>
            <td className="num">{n.format(data?.enrolled ?? 0)}</td>
            <td className="num">—</td>
            <td className="num">—</td>
            <td className="num">—</td>
            <td aria-hidden="true">
              <Bar value={data?.enrolled ?? 0} max={widest} color="var(--muted)" />
            </td>
          </tr>
          {steps.map((s) => (
            <tr key={s.index} data-step={s.index}>
              <th scope="row">{t('analytics_stepN', [s.index + 1, campaign.steps[s.index]!.dayOffset])}</th>
              <td className="num" data-stat="sent">
                {n.format(s.sent)}
              </td>
              <td className="num">{percent(s.reach)}</td>
              <td className="num" data-stat="bounced">
                {n.format(s.bounced)}
              </td>
              <td className="num" data-stat="replies">
                {n.format(s.replies)}
              </td>
              <td aria-hidden="true">
                <Bar value={s.sent} max={widest} color="var(--accent)" />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {range && <p className="muted small">{t('analytics_funnelRange')}</p>}
    </section>
  )
}

function Bar({ value, max, color }: { value: number; max: number; color: string }) {
  return (
    <div style={{ background: 'var(--chip)', borderRadius: 3, height: 10 }}>
      <div style={{ width: `${(value / max) * 100}%`, background: color, height: 10, borderRadius: 3 }} />
    </div>
  )
}

/** A table's column headers: the label column, then right-aligned figures; `bar` adds the unlabelled bar column. */
function HeaderRow({ first, numeric, bar }: { first: string; numeric: string[]; bar?: boolean }) {
  return (
    <tr>
      <th scope="col">{t(first)}</th>
      {numeric.map((key) => (
        <th key={key} scope="col" className="num">
          {t(key)}
        </th>
      ))}
      {bar && <th scope="col" aria-hidden="true" style={{ width: '30%' }} />}
    </tr>
  )
}
