import { useState } from 'react'
import { db } from '../core/db.ts'
import { listVariables, renderTemplate, variablesFor } from '../core/templating.ts'
import type { ErrorInfo, Template } from '../core/types.ts'
import { errorText, t } from '../ui/i18n.ts'
import { useLive } from '../ui/live.ts'
import { call, RequestFailed } from '../ui/messaging.ts'

const SAMPLE = { address: 'ana.silva@contoso.com', name: 'Ana Silva' }

function messageOf(err: unknown): ErrorInfo {
  return err instanceof RequestFailed ? err.info : { code: 'internal', message: String(err) }
}

/** Templates: name, subject, body with {{variables}}, and a preview with a sample person. */
export function Templates() {
  const templates = useLive(() => db().templates.orderBy('name').toArray(), '', [] as Template[])
  const [editing, setEditing] = useState<Partial<Template> | null>(null)
  const [error, setError] = useState<ErrorInfo | null>(null)
  const [listError, setListError] = useState<ErrorInfo | null>(null)
  const [sample, setSample] = useState(SAMPLE)
  const remove = async (tpl: Template) => {
    setListError(null)
    if (!confirm(t('options_templateDeleteConfirm', tpl.name))) return
    try {
      await call('templates.delete', { id: tpl.id })
    } catch (err) {
      setListError(messageOf(err))
    }
  }
  const save = async () => {
    if (!editing) return
    setError(null)
    try {
      await call('templates.save', {
        template: {
          id: editing.id,
          name: editing.name ?? '',
          subject: editing.subject ?? '',
          body: editing.body ?? '',
        },
      })
      setEditing(null)
    } catch (err) {
      setError(messageOf(err))
    }
  }
  const preview = editing
    ? renderTemplate({ subject: editing.subject ?? '', body: editing.body ?? '' }, variablesFor(sample))
    : null
  return (
    <section aria-labelledby="tpl-h" data-dispatch="templates">
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <h2 id="tpl-h">{t('options_templates')}</h2>
        <button
          type="button"
          onClick={() => setEditing({ name: '', subject: '', body: '' })}
          data-dispatch="new-template"
        >
          {t('options_newTemplate')}
        </button>
      </div>
      {templates.length === 0 && !editing && <p>{t('options_templatesEmpty')}</p>}
      {listError && (
        <p className="error" role="alert">
          {listError.code === 'not_allowed' && listError.params?.[0]
            ? t('options_templateInUse', listError.params[0])
            : errorText(listError)}
        </p>
      )}
      <ul className="list">
        {templates.map((tpl) => (
          <li key={tpl.id} className="row" style={{ justifyContent: 'space-between' }}>
            <span>
              <strong>{tpl.name}</strong> <span className="muted small">{tpl.subject}</span>
            </span>
            <span className="row">
              <button type="button" onClick={() => setEditing(tpl)}>
                {t('options_edit')}
              </button>
              <button type="button" onClick={() => void remove(tpl)} aria-label={t('options_templateDelete', tpl.name)}>
                {t('options_delete')}
              </button>
            </span>
          </li>
        ))}
      </ul>
      {editing && (
        <div className="card" data-dispatch="template-editor">
          <label htmlFor="tpl-name">{t('options_templateName')}</label>
          <input
            id="tpl-name"
            value={editing.name ?? ''}
            onChange={(e) => setEditing({ ...editing, name: e.target.value })}
          />
          <label htmlFor="tpl-subject">{t('sidebar_subject')}</label>
          <input
            id="tpl-subject"
            style={{ width: '100%' }}
            value={editing.subject ?? ''}
            onChange={(e) => setEditing({ ...editing, subject: e.target.value })}
          />
          <label htmlFor="tpl-body">{t('options_templateBody')}</label>
          <textarea
            id="tpl-body"
            rows={8}
            style={{ width: '100%' }}
            value={editing.body ?? ''}
            onChange={(e) => setEditing({ ...editing, body: e.target.value })}
          />
          <p className="muted small">{t('options_variablesHelp')}</p>
          {preview && (
            <section className="card" aria-label={t('options_preview')}>
              <h3>{t('options_preview')}</h3>
              <div className="row small">
                <label htmlFor="tpl-sample-name" style={{ margin: 0 }}>
                  {t('options_sampleName')}
                </label>
                <input
                  id="tpl-sample-name"
                  value={sample.name}
                  onChange={(e) => setSample({ ...sample, name: e.target.value })}
                />
                <label htmlFor="tpl-sample-address" style={{ margin: 0 }}>
                  {t('options_sampleAddress')}
                </label>
                <input
                  id="tpl-sample-address"
                  type="email"
                  value={sample.address}
                  onChange={(e) => setSample({ ...sample, address: e.target.value })}
                />
              </div>
              <p className="small muted">{t('options_previewFor', `${sample.name} <${sample.address}>`)}</p>
              <p>
                <strong>{preview.subject}</strong>
              </p>
              {/* The preview shows the body as text: markup is the rep's own, but we still never inject it. */}
              <pre style={{ whiteSpace: 'pre-wrap', font: 'inherit' }}>{preview.html.replace(/<[^>]+>/g, '')}</pre>
              {preview.missing.length > 0 && (
                <p className="warn">
                  {t('sidebar_missingVariables', preview.missing.map((v) => `{{${v}}}`).join(', '))}
                </p>
              )}
              <p className="muted small">
                {t('options_variablesUsed', listVariables(`${editing.subject} ${editing.body}`).join(', ') || '—')}
              </p>
            </section>
          )}
          {error && (
            <p className="error" role="alert">
              {errorText(error)}
            </p>
          )}
          <div className="row">
            <button type="button" className="primary" onClick={save} disabled={!editing.name?.trim()}>
              {t('options_save')}
            </button>
            <button type="button" onClick={() => setEditing(null)}>
              {t('options_cancel')}
            </button>
          </div>
        </div>
      )}
    </section>
  )
}
