chrome.runtime.onMessage.addListener((_m, _s, reply) => {
  reply({ ok: true })
  return false
})
