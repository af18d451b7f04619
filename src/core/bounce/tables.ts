// Reason, subject and sender tables for the bounce classifier, kept as data.
//
// Reason names follow Sisimai's vocabulary so figures compare with it. Text patterns are matched
// against a diagnostic that has been lower-cased and had its white space collapsed (see
// `normalizeDiagnostic`), so they are written in lower case with single spaces.

export type Reason =
  | 'userunknown'
  | 'hostunknown'
  | 'mailboxfull'
  | 'filtered'
  | 'rejected'
  | 'blocked'
  | 'spamdetected'
  | 'policyviolation'
  | 'securityerror'
  | 'expired'
  | 'suspend'
  | 'systemerror'
  | 'networkerror'
  | 'toomanyconn'
  | 'speeding'
  | 'mesgtoobig'
  | 'exceedlimit'
  | 'contenterror'
  | 'norelaying'
  | 'notaccept'
  | 'syntaxerror'
  | 'hasmoved'
  | 'authfailure'
  | 'badreputation'
  | 'requireptr'
  | 'notcompliantrfc'
  | 'virusdetected'
  | 'systemfull'
  | 'mailererror'
  | 'onhold'
  | 'undefined'

/** A DNS failure that may clear up ("try again", SERVFAIL): a network error, not a missing domain. */
export const DNS_TEMPORARY =
  /(?:host|domain) not found, try again|temporary failure in name resolution|servfail|dns (?:server|lookup) (?:timed out|timeout|temporar)|name server timeout/

/**
 * The resolver got a broken or unusable answer (Postfix's "Malformed or unexpected name server
 * reply"): the lookup failed, which does not show the domain is missing, whatever the status says.
 */
export const DNS_BROKEN_REPLY =
  /malformed (?:or unexpected )?name ?server reply|unexpected (?:dns|name ?server) (?:reply|response)/

/** Reasons that mean the address or its domain does not exist (or moved): a hard bounce. */
export const HARD_REASONS: ReadonlySet<string> = new Set(['userunknown', 'hostunknown', 'hasmoved'])

/** Hard or soft, by the project's rule: hard = address/domain gone; notaccept is hard unless 4xx. */
export function kindOf(reason: string | null, status: string | null): 'hard' | 'soft' {
  if (reason && HARD_REASONS.has(reason)) return 'hard'
  if (reason === 'notaccept' && !(status ?? '').startsWith('4')) return 'hard'
  return 'soft'
}

/**
 * Enhanced status code (RFC 3463 and its IANA registry) → reason. Generic codes (X.0.0, 4.3.0,
 * 4.4.0, 4.5.0, 4.7.0) are left out on purpose: they say nothing about the cause.
 */
export const STATUS_REASON: Readonly<Record<string, Reason>> = {
  '4.1.6': 'hasmoved',
  '4.1.7': 'rejected',
  '4.1.8': 'rejected',
  '4.1.9': 'systemerror',
  '4.2.1': 'blocked',
  '4.2.2': 'mailboxfull',
  '4.2.3': 'exceedlimit',
  '4.2.4': 'filtered',
  '4.3.1': 'systemfull',
  '4.3.2': 'notaccept',
  '4.3.3': 'systemerror',
  '4.3.5': 'systemerror',
  '4.4.1': 'expired',
  '4.4.2': 'networkerror',
  '4.4.3': 'systemerror',
  '4.4.4': 'networkerror',
  '4.4.5': 'systemfull',
  '4.4.6': 'networkerror',
  '4.4.7': 'expired',
  '4.4.8': 'networkerror',
  '4.5.3': 'systemerror',
  '4.5.5': 'systemerror',
  '4.6.0': 'contenterror',
  '4.6.2': 'contenterror',
  '4.6.5': 'contenterror',
  '4.7.1': 'blocked',
  '4.7.2': 'blocked',
  '4.7.5': 'securityerror',
  '4.7.6': 'securityerror',
  '4.7.7': 'securityerror',
  '4.7.12': 'securityerror',
  '4.7.15': 'securityerror',
  '4.7.16': 'mesgtoobig',
  '4.7.24': 'authfailure',
  '4.7.25': 'requireptr',
  '4.7.26': 'authfailure',
  '5.1.0': 'userunknown',
  '5.1.1': 'userunknown',
  '5.1.2': 'hostunknown',
  '5.1.3': 'userunknown',
  '5.1.4': 'filtered',
  '5.1.6': 'hasmoved',
  '5.1.7': 'rejected',
  '5.1.8': 'rejected',
  '5.1.9': 'systemerror',
  '5.1.10': 'notaccept',
  '5.2.0': 'filtered',
  '5.2.1': 'filtered',
  '5.2.2': 'mailboxfull',
  '5.2.3': 'exceedlimit',
  '5.2.4': 'filtered',
  '5.3.0': 'systemerror',
  '5.3.1': 'systemfull',
  '5.3.2': 'notaccept',
  '5.3.3': 'systemerror',
  '5.3.4': 'mesgtoobig',
  '5.3.5': 'systemerror',
  '5.4.0': 'networkerror',
  '5.4.3': 'systemerror',
  '5.4.4': 'hostunknown',
  '5.5.2': 'syntaxerror',
  '5.5.3': 'toomanyconn',
  '5.5.4': 'systemerror',
  '5.5.5': 'systemerror',
  '5.5.6': 'syntaxerror',
  '5.6.0': 'contenterror',
  '5.6.1': 'contenterror',
  '5.6.2': 'contenterror',
  '5.6.3': 'contenterror',
  '5.6.5': 'contenterror',
  '5.6.6': 'contenterror',
  '5.6.7': 'contenterror',
  '5.6.8': 'contenterror',
  '5.6.9': 'contenterror',
  '5.7.0': 'securityerror',
  '5.7.1': 'securityerror',
  '5.7.2': 'securityerror',
  '5.7.3': 'securityerror',
  '5.7.4': 'securityerror',
  '5.7.5': 'securityerror',
  '5.7.6': 'securityerror',
  '5.7.7': 'securityerror',
  '5.7.8': 'securityerror',
  '5.7.9': 'securityerror',
  '5.7.10': 'securityerror',
  '5.7.11': 'securityerror',
  '5.7.13': 'suspend',
  '5.7.14': 'securityerror',
  '5.7.15': 'securityerror',
  '5.7.16': 'mesgtoobig',
  '5.7.17': 'hasmoved',
  '5.7.18': 'hasmoved',
  '5.7.19': 'securityerror',
  '5.7.20': 'authfailure',
  '5.7.21': 'authfailure',
  '5.7.22': 'authfailure',
  '5.7.23': 'authfailure',
  '5.7.24': 'authfailure',
  '5.7.25': 'requireptr',
  '5.7.26': 'authfailure',
  '5.7.27': 'notaccept',
  '5.7.28': 'spamdetected',
  '5.7.29': 'authfailure',
  '5.7.30': 'securityerror',
}

/** Reasons a status code alone cannot settle: the diagnostic text gets the first word. */
export const WEAK_STATUS_REASONS: ReadonlySet<string> = new Set([
  'userunknown',
  'hostunknown',
  'securityerror',
  'systemerror',
  'networkerror',
  'expired',
  'undefined',
  'onhold',
])

/**
 * Diagnostic-text patterns per reason. Matching runs in two passes (see `reasons.ts`):
 * PRIMARY_ORDER first (a status code mapping to the reason also counts), then SECONDARY_ORDER on
 * the text alone when the status code was generic or weak.
 */
export const REASON_PATTERNS: Readonly<Record<Exclude<Reason, 'onhold' | 'undefined'>, RegExp>> = {
  mailboxfull:
    /mailbox (?:is |was )?(?:currently )?full|mail ?box (?:size |storage )?(?:limit |quota )?(?:has been |was |is )?(?:exceeded|full)|(?:mailbox|mail box|mailfolder|inbox|postbox|account|maildir|mail folder) (?:is )?(?:over|full|exceeds?)(?: (?:the|its|his|her) )?(?:storage |disk )?(?:quota|limit|size)?|over (?:the |his |her |its )?(?:storage |disk |mailbox )?quota|quota (?:exceeded|full|violation|exceeds)|exceeded (?:the |his |her |its )?(?:storage|disk|mailbox|mail)? ?(?:quota|allocation|storage)|(?:disk|storage|mailbox) quota|insufficient (?:disk )?(?:space|storage) (?:for|in) (?:the )?(?:user|recipient|mailbox)|user'?s? (?:disk )?quota|not enough (?:storage|disk )?space in (?:the )?(?:mailbox|user)|mailbox (?:has )?(?:reached|exceeded) (?:its|the) (?:maximum|limit|size)|exceeds (?:the )?(?:allowed|mailbox|storage) (?:size|quota|limit)|user mailbox exceeds allowed size|recipient'?s? mailbox is full|too much mail data|postfach (?:ist )?voll|speicherplatz|boîte (?:aux lettres |de réception )?(?:est )?pleine|boite (?:aux lettres )?pleine|buz[oó]n (?:de correo )?(?:est[aá] )?lleno|caixa (?:postal )?(?:est[aá] )?cheia|brevlåda(?:n)? (?:är )?full|postvak (?:is )?vol|邮箱(?:已)?满|信箱(?:已)?满|容量(?:超过|不足|超過)|ящик переполнен|мэйлбокс переполнен|превышен(?:а)? квот|full mailbox|(?:does not have|not) enough (?:storage |disk )?space|disk space limit|over (?:the |its )?allowed quota|exceed (?:the )?maximum allowed storage|space has been used up|too many messages (?:on the server|in (?:the |this )?mailbox)|boite du destinataire pleine|exceeding (?:its )?receiving limits|mail file size exceeds|(?:postfach|postvak|postlåda|brevlåda|cassetta postale|casella(?: di posta)?|buz[oó]n|caixa (?:de correio|postal)|boîte (?:aux lettres|de réception)) .{0,40}(?:ist |is |är |è |est[aá] |est )?(?:voll|vol|full|piena|llen[oa]|cheia|pleine)\b|(?:ящик|почтовый ящик) .{0,30}переполнен|邮箱空间不足|メールボックス(?:が|の容量が)?(?:いっぱい|一杯|満杯)/,
  mesgtoobig:
    /message (?:is |was |size )?(?:too (?:big|large)|exceeds (?:the )?(?:fixed |maximum |max )?(?:message )?size)|(?:message|mail|email) (?:file )?too (?:big|large)|exceeds (?:the )?(?:maximum |max |fixed maximum )?(?:message |mail |allowed )?size|size (?:limit )?exceed|message (?:length|size) exceeds|message size (?:limit|of \d+)|larger than (?:the )?(?:maximum|allowed|permitted)|size of (?:the )?message (?:exceeds|is too)|taille (?:du message|maximale)|mensaje (?:es )?demasiado grande|nachricht (?:ist )?zu gro/,
  exceedlimit:
    /message length exceeds administrative limit|exceeds? (?:the )?(?:recipient'?s?|user'?s?|administrative|per-recipient) (?:size )?limit/,
  suspend:
    /(?:account|mailbox|user|address|recipient|e-?mail) (?:has been |is |was )?(?:temporarily |currently |now |been )?(?:disabled|suspended|deactivated|inactive|frozen|locked|closed|expired|terminated|on hold|not active)|(?:disabled|suspended|deactivated|inactive|closed|locked|expired) (?:user |e-?mail )?(?:account|mailbox|address|recipient)|is a deactivated mailbox|(?:account|mailbox) (?:that )?you tried to reach (?:is|has been) (?:disabled|inactive|suspended|deactivated)|(?:user|account|mailbox) .{0,60}temporar(?:y|ily) (?:locked|disabled|suspended)|mailbox (?:is )?(?:disabled|currently suspended)|user (?:is )?suspended|account (?:is )?(?:unavailable|blocked)|boite du destinataire (?:archivee|fermee)|compte (?:désactivé|suspendu)|cuenta (?:desactivada|suspendida|inactiva)|konto (?:gesperrt|deaktiviert)|is currently suspended|temporar(?:y|ily) (?:locked|inactive)|inactive user|suspend(?:ed)? the service|mailbox is frozen|account has been disabled or discontinued/,
  hasmoved:
    /(?:address|mailbox|user|recipient) (?:has )?(?:moved|changed)(?! to a new)|has moved;|no longer (?:available )?(?:at|with) this (?:address|domain|organization)|is no longer (?:at|with) |has been replaced by/,
  norelaying:
    /relay(?:ing)? (?:access )?(?:denied|not (?:permitted|allowed|authorized|authorised)|prohibited|refused)|(?:unable|not permitted|not allowed|not authorized|do not|we don'?t|cannot|can't) (?:to )?relay|no relaying|relaying (?:mail )?(?:to .{1,80} )?(?:is )?(?:denied|not allowed)|not a gateway|relay not|isn'?t allowed to relay|open relay|relay (?:attempt|rejected)/,
  authfailure:
    /\bspf\b|\bdkim\b|\bdmarc\b|sender policy framework|domainkeys|(?:sender|domain) (?:is )?not authorized to send|unauthenticated (?:e-?mail|mail|sender)|sender (?:address )?(?:is )?not authenticated|5\.7\.(?:2[0-46]|515|509)|authentication (?:check|results?) (?:failed|failure)|failed (?:the )?authentication checks?|arc validation|fails? to pass (?:the )?authentication|does not have authentication information/,
  userunknown:
    /user ?unknown|unknown (?:user|recipient|mailbox|local[- ]?part|e-?mail address|address|account|alias)|no such (?:user|mailbox|recipient|person|address|account|local user|e-?mail|alias)|(?:user|recipient|mailbox|address|account|e-?mail address|email account|addressee|alias) (?:name )?(?:does not|doesn'?t|did not|does no longer|no longer|not) exists?|(?:user|recipient|mailbox|address|account|addressee) (?:was |is )?(?:not found|unknown|not known|invalid|unavailable|not (?:a )?valid|not listed|not present)|invalid (?:recipient|mailbox|address|user|e-?mail address|destination)|not (?:a )?valid (?:mailbox|recipient|user|address)|(?:mailbox|recipient|user|address) (?:is )?not (?:a )?(?:local|known|valid)|bad (?:destination )?(?:mailbox|recipient|address)|(?:recipient|user) (?:address )?rejected: (?:user unknown|unknown user|invalid|undeliverable|access denied|not found|no such)|recip(?:ient)?notfound|recipient address rejected(?:\.|: (?:access denied|user unknown|unknown user|invalid user|undeliverable|no such user)| *\(in reply to rcpt| *$)|not listed in (?:the )?(?:domino |public name & address book|directory)|(?:isn'?t|(?:'s|is|was) not) (?:a )?(?:known|valid) (?:user|mailbox|recipient|account)|address (?:you entered )?(?:couldn'?t|could not|can'?t|cannot) be found|wasn'?t found at|address (?:is )?(?:unknown|not recognized|unavailable)|invalid (?:final )?(?:delivery )?userid|mailbox (?:unavailable|not available|is unavailable)|no (?:mailbox|account) (?:here )?(?:by that name|for)|no mail ?box (?:available|here)|there is no (?:one|user|such)|not our customer|nonexist(?:ent|ing) (?:user|address|recipient|mailbox)|non-?existent (?:user|address|recipient|mailbox)|doesn'?t have an? .{1,40} account|(?:name|address) not (?:found|known) in|user not (?:found|known|listed)|recipient (?:not found|is not local|unknown)|unrouteable local part|invalid or unknown virtual user|benutzer (?:unbekannt|existiert nicht)|unbekannte?r? (?:empfänger|benutzer)|empfänger (?:unbekannt|existiert nicht)|adresse (?:inconnue|introuvable|invalide)|(?:destinataire|utilisateur) (?:inconnu|introuvable)|usuario (?:desconocido|no existe|inexistente)|(?:destinatario|dirección) (?:desconocid[oa]|no existe|inexistente)|no existe (?:dicha persona|ese usuario)|gebruiker (?:onbekend|bestaat niet)|onbekende (?:gebruiker|ontvanger)|(?:okänd|ogiltig) (?:mottagare|användare|adress)|användaren finns inte|usuário (?:desconhecido|inexistente|não existe)|(?:destinatário|endereço) (?:desconhecido|inexistente|não existe)|用户不存在|用户名不存在|收件人不存在|邮箱不存在|帐号不存在|账户不存在|該用戶不存在|宛先(?:が)?(?:存在しません|不明)|ユーザ(?:ー)?(?:が)?(?:存在しません|不明)|нет такого (?:пользователя|адреса|ящика)|пользователь не (?:найден|существует)|адрес не существует|неизвестный (?:пользователь|адрес)|utente (?:sconosciuto|inesistente)|nessun utente|not (?:a |an )?(?:known|valid|active|registered|local) (?:e-?mail )?(?:user|recipient|mailbox|address|account)|can'?t accept (?:user|recipient|address)|destination (?:address(?:es)? (?:were|was|is) unknown|server rejected recipients?)|no (?:such )?(?:mailbox|account|user) (?:found|exists)|no valid recipients?|recipient is not accepted|recipient not ok\b|recipient ?notfound|badrcptto|badrecipientto|not in my validrcptto|envelope recipient (?:has been |is )?(?:denied|rejected)|domain or user isn'?t in my list of allowed rcpthosts|(?:account|address|mailbox) (?:that )?you tried to reach (?:does not|doesn'?t) exist|(?:user|recipient|mailbox|account)'?s? (?:e-?mail )?name (?:is )?not found|(?:address|mailbox|account) (?:is )?(?:wrong or )?no longer (?:valid|in use|exists?|accepts (?:e-?)?mail)|missing home directory|<[^<>\s@]{1,64}@[^<>\s@]{1,255}>:? (?:not found|does not exist|unknown)|(?:user|mailbox|account|recipient|rcpt) (?!domain\b)[^\s:;,]{1,64} (?:does not exist|doesn'?t exist|was not found|not found in|unknown\b)|no [^\s]{1,64} in (?:the )?name directory|(?:e-?mail-?adresse|empfängeradresse|adresse|postfach) .{0,40}(?:existiert nicht|(?:wurde |konnte )?nicht gefunden)|adresse (?:e-?mail |électronique |de messagerie )?.{0,40}(?:est )?introuvable|(?:destinataire|utilisateur|adresse) inexistante?|no se (?:encontró|pudo encontrar) la dirección|la dirección .{0,40}no existe|endereço (?:de e-?mail |de email )?.{0,40}não (?:foi encontrado|existe)|utilizador (?:desconhecido|inexistente)|e-?mailadres .{0,40}(?:is )?niet gevonden|(?:adres|ontvanger) (?:bestaat niet|onbekend)|e-?postadress(?:en)? .{0,40}(?:kunde inte hittas|hittades inte|finns inte)|mottagaren finns inte|(?:indirizzo|utente|destinatario) (?:e-?mail |di posta(?: elettronica)? )?.{0,40}(?:sconosciuto|inesistente|non esiste|non (?:è stato )?trovato)|non (?:sono riuscit[oa] a|è stato possibile) trovare l'indirizzo|(?:ящик|адрес|получатель|пользователь|аккаунт|учетная запись) .{0,20}(?:не существует|не найден)|(?:收件人|邮件)?地址不存在|(?:用户|用戶|帐户|账户|账号|帳號)(?:不存在|无效)|(?:メール)?アドレスが(?:存在しません|見つかりません)|(?:ユーザー?|宛先).{0,80}見つかりません|ディレクトリ(?:に|で)(?:は)?見つかりません|nicht im domino-?verzeichnis|pas (?:répertorié|listé) dans l'annuaire/,
  filtered:
    /(?:message|mail|e-?mail) (?:was |has been )?(?:filtered|refused by (?:the )?recipient'?s? (?:mail )?filter)|(?:recipient|user)'?s? (?:mail )?filter|rejected by (?:the )?(?:recipient|user)'?s? (?:mail )?(?:filter|settings|preferences)|recipient (?:is |has )?(?:not accepting|refused|blocked (?:you|your|the sender))|does not accept mail from you|not accepting (?:mail|messages) from|has (?:blocked|rejected) (?:you|your|the sender)|sender (?:is )?(?:on|in) (?:the )?(?:recipient'?s? )?block ?list|blocked by (?:the )?recipient|(?:user|recipient) (?:has )?(?:chosen|opted|decided) (?:not )?to|only accepting mail from specific|not currently being accepted for this mailbox|restricted sms e-?mail|refused due to recipient preferences|resolver\.rst\.notauthorized|this account is protected by|\buser reject|refuse to receive (?:e-?)?mail|is not accepting any (?:e-?)?mail|not accepting (?:e-?)?mail with/,
  requireptr:
    /\bptr\b|reverse (?:dns|lookup|dns lookup|hostname|name)|rdns|cannot find your (?:reverse )?hostname|(?:client|host|ip) (?:host )?name lookup failed|no (?:reverse|dns) (?:record|entry|name)|unresolvable (?:address|hostname|ip)|(?:ip|host) (?:address )?(?:has no|without) (?:a )?(?:reverse|name|hostname)|does not resolve to|hostname .{0,40}does not match|dynamic (?:ip|address|pool)|dial-?up|residential|generic (?:dns|hostname|rdns)/,
  notcompliantrfc:
    /not (?:compliant|conform(?:ing)?) (?:with|to) rfc|rfc ?(?:5322|2822|822|5321|2821) |multiple (?:from|subject|to|date|message-id|sender) (?:headers|fields)|duplicate (?:header|headers)|(?:message|header) (?:is )?not rfc|(?:invalid|illegal|malformed|missing) (?:message-id|date) header/,
  badreputation:
    /\breputation\b|unexpected volume or user complaints|sender score|low (?:ip )?score|bad (?:ip )?standing/,
  contenterror:
    /(?:header|headers) (?:is |are )?(?:too (?:long|large)|invalid|malformed|error)|(?:invalid|illegal|malformed|broken) (?:header|mime|message structure|character|content|encoding)|improper use of 8-?bit|8-?bit (?:data|characters)|line too long|message (?:content|body) (?:is )?(?:invalid|not (?:acceptable|allowed))|content (?:is )?not acceptable|bare (?:lf|linefeed)|non-?ascii/,
  rejected:
    /sender (?:e-?mail )?(?:address |domain )?(?:rejected|denied|refused|invalid|unknown|blocked|not allowed|verify failed|verification failed|must (?:exist|resolve))|(?:domain of )?sender (?:address )?(?:domain )?(?:does not exist|not found|must exist)|bad sender|(?:mail from|envelope sender|return[- ]path|from address|sender'?s? (?:address|domain)|envelope from) .{0,40}(?:rejected|denied|invalid|not allowed|unknown|refused|blocked)(?! for policy)|(?:rejected|denied|refused) .{0,20}(?:sender|mail from)|your (?:e-?mail )?address (?:has been |is )?(?:blocked|blacklisted|rejected|banned|refused)|you (?:are not|aren'?t) allowed to (?:post|send)|(?:do not|don'?t) have permission to (?:post|send)|permission to post|not (?:permitted|authorized|allowed) to (?:post|send)(?! mail from)|only (?:members|subscribers) (?:can|may) (?:post|send)|sender (?:is )?not (?:a member|subscribed|authorized|allowed)|access to this (?:group|list) is restricted|non-?member|invalid sender|bogus mail from|\bbatv\b|backscatter protection|empty envelope senders?|null sender|no third-party dsns|unsigned dsn|sender is spammer|sender not pre-approved|sender domain is empty|unroutable sender|mail from not owned|email address is not verified|returned mail not accepted|not a registered gateway user|fully qualified email address required|administrative prohibition|emetteur invalide|\[bouncedeny\]|from: domain is invalid|domain of sender address|without a valid sender/,
  hostunknown:
    /host (?:or domain name )?(?:unknown|not found)|unknown (?:host|domain)|(?:domain|host) (?:name )?(?:not found|does not exist|doesn'?t exist|is unknown|unknown|lookup failed|could not be found|does not resolve)|no such (?:domain|host)|name or service not known|nxdomain|unrouteable (?:address|mail domain)|unroutable (?:address|domain)|no (?:valid )?(?:mx|dns|a) (?:record|entry|or a)|mx (?:record )?(?:lookup|not found)|(?:recipient|destination) (?:domain|host) (?:is )?(?:unknown|invalid|not found|does not exist)|domain (?:is )?(?:invalid|not valid|not reachable|unreachable)|(?:host|domain) [\w.-]+ (?:not found|does not exist|unknown)|(?:account or )?domain may not exist|(?:domain|host)(?: name)? not (?:found|known|resolvable)|bad destination (?:host|system)|domain (?:name )?(?:is )?(?:not )?(?:registered|exist)|域名不存在|不存在的域名|ドメイン(?:が)?(?:存在しません|不明)|домен не существует|dominio (?:no existe|inexistente|desconocido)|domäne existiert nicht|(?:recipient |rcpt )?domain must exist|domaine (?:est )?(?:introuvable|inexistant|inconnu)|dominio (?:non esiste|inesistente)|domínio (?:não existe|inexistente|desconhecido)|domein bestaat niet|domain existiert nicht/,
  spamdetected:
    /\bspam\b(?!haus|cop)|junk mail|(?:unsolicited|bulk) (?:e-?mail|mail|commercial|message)|\bu[bc]e\b|message content rejected|considered (?:as )?(?:unsolicited|spam|junk)|(?:appears|looks|seems) (?:to be |like )?(?:spam|unsolicited|junk)|spam ?(?:score|filter|detected|content|message|rejected)|message (?:content )?(?:rejected|refused) (?:as|because|due)|content (?:filter|scan(?:ner)?) (?:rejection|rejected|detected)|high probability of being|scored (?:too high|as spam)|blocked by (?:the )?(?:bulk|spam|content) (?:e-?mail )?filter|mail appears to be|suspicious (?:content|url|link)|phish/,
  speeding:
    /(?<!connection )rate limit(?:ed|ing)?|too many (?:messages|emails|mails|recipients per|deliveries)|(?:sending|submission|message|connection) rate|(?:sending|sent) too (?:fast|many|quickly)|throttl|exceeded .{0,20}(?:rate|per (?:hour|minute|day))|slow down/,
  toomanyconn:
    /too many (?:connections|concurrent|simultaneous|sessions|open connections|smtp sessions|hosts)|connection (?:rate |count )?(?:limit|count|rate) (?:exceeded|reached)|connection frequency limited|(?:maximum|max) (?:number of )?(?:connections|sessions) (?:exceeded|reached)|(?:concurrent|simultaneous) (?:connection|session)s? (?:limit|from your)|too many errors/,
  blocked:
    /blocked (?:using|by)|(?:black|block|deny|ban)-? ?list(?:ed)?|\brbl\b|\bdnsbl\b|spamhaus|spamcop|sorbs|barracuda(?:central)?|(?:ip|host|client|connection) (?:address )?(?:\[[^\]]*\] )?(?:is |has been |was )?(?:blocked|rejected|refused|banned|denied|listed|not allowed)|your (?:ip|server|host|network|domain)|client host (?:\[?[\w.:-]+\]? )?(?:is )?(?:blocked|rejected|refused)|(?:host|server) \[?[\w.:-]+\]? (?:is )?(?:blocked|blacklisted|banned)|access denied|not allowed to (?:connect|send (?:mail )?from)|refused to talk to me|too many unwanted messages|invalid ip for sending|connection (?:refused|rejected|denied)|(?:helo|ehlo)(?: command)? (?:rejected|refused|denied|invalid)|my name was rejected|poor (?:sending )?reputation|(?:sending )?(?:ip|server) (?:address )?(?:is )?(?:not permitted|prohibited)|bad (?:ip|dns|helo)|access from ip address .{1,60} blocked|cannot resolve your address|confirm this mail server|mismatches client ip|mail server at .{1,60} is blocked|deferred due to user complaints|no access from mail server|use the smtp server of your isp|open proxy|that domain isn'?t in my list of allowed rcpthosts|remote ?host looks suspiciously like spammer|unresolvable relay host/,
  virusdetected:
    /virus|malware|infected|trojan|worm detected|(?:dangerous|prohibited|harmful) (?:attachment|content|file)|executable (?:attachment|content)/,
  policyviolation:
    /polic(?:y|ies)|violat|content presents a potential security issue|prohibited (?:content|attachment|file|by)|(?:attachment|file) type|not (?:permitted|allowed) by (?:the )?(?:local|site|domain|organization)|blocked by (?:the )?(?:organization|administrator|admin|transport rule|rule)|message (?:was )?(?:blocked|rejected|refused) (?:by|due to) (?:the )?(?:organization|administrator|admin|transport)|restricted|banned (?:content|attachment|word)/,
  securityerror:
    /authentication (?:is )?(?:required|failed|failure|credentials)|turn on smtp authentication|without authentication|must (?:be authenticated|authenticate)|(?:tls|ssl|starttls|encryption) (?:is )?(?:required|failed|failure|needed)|(?:require|requires|must use) (?:tls|ssl|starttls|encryption)|certificate|not authori[sz]ed|unauthori[sz]ed|security (?:policy|reasons|error|violation)|insecure|(?:no|invalid) (?:credentials|password)/,
  systemerror:
    /system (?:error|failure|problem)|internal (?:server )?error|server (?:error|failure|misconfigur)|(?:local )?configuration error|misconfigur|local error|temporary (?:local )?(?:problem|failure|error)|unexpected error|mail system (?:error|problem)|i\/o error|out of memory|(?:remote|mail) server (?:is )?(?:not responding|unavailable|down)|service (?:not |temporarily )?(?:available|unavailable)|(?:process|program) (?:crashed|aborted)|database (?:error|failure)/,
  networkerror:
    /network (?:error|unreachable|failure|problem)|(?:routing|mail) loop|loops back to myself|too many hops|hop count exceeded|no route to host|host (?:is )?unreachable|connection (?:timed out|timeout|reset|lost|closed|dropped)|lost connection|timed out while|conversation with .{0,80}timed out|could not connect|couldn'?t connect|unable to connect|cannot connect|failed to connect|connect to .{0,80}(?:failed|refused|timed out)|name server (?:error|timeout|failure)|dns (?:lookup|resolution|query) (?:failed|failure|timeout|error)|temporary dns|broken pipe|tls handshake|read error|write error|unexpected (?:eof|disconnect)/,
  systemfull:
    /(?:mail |file )?system (?:is )?full|disk (?:is )?full|(?:file ?system|disk|volume|partition|queue) (?:is )?(?:full|out of space)|insufficient (?:system )?(?:storage|disk space|space)|out of (?:disk )?space|no space left|not enough (?:disk )?space|system (?:storage|resources) (?:exceeded|insufficient)/,
  notaccept:
    /(?:does not|doesn'?t|do not|will not|won'?t) accept (?:any )?(?:e-?mail|mail|messages)|(?:accepts|accepting|receives?) no (?:e-?mail|mail)|not accepting (?:any )?(?:e-?mail|mail|messages|network messages)|null ?mx|(?:mx|srv) record (?:indicated|indicates|says) no (?:smtp|mail) service|no mail(?:box)? (?:service|server)s?(?: is)? (?:available|configured|accepted)|(?:does not|doesn'?t) (?:receive|handle) (?:e-?mail|mail)|mail (?:is )?not accepted (?:for|here)|smtp protocol returned a permanent error/,
  expired:
    /(?:retry|delivery|queue|message) (?:time ?out|timeout|period|time|lifetime) (?:has )?(?:been )?(?:exceeded|expired|reached)|(?:message|mail) (?:has )?expired|giving up|gave up|(?:in|on) (?:the )?queue (?:for )?too long|too long in (?:the )?queue|could not be delivered (?:within|for|in) (?:the last )?\d+|(?:has|have) not been (?:able to be )?delivered (?:for|within|in) (?:the last )?\d+|undeliverable for \d+|retry time(?:out)? (?:not reached|exceeded)|expired (?:after|in|while)|(?:maximum|max) (?:time|number of (?:retries|attempts))|couldn'?t be delivered in time|delivery attempts? (?:will )?(?:continue|stop|exceeded|expired)|delivery time expired|(?:delivery )?failed (?:after )?\d+ attempts|(?:all )?hosts? (?:have |has )?been failing for a long time|retry time not reached for any host after a long failure period/,
  mailererror:
    /mailer (?:error|program)|x-unix|exit (?:code|status|value)|(?:command|program|pipe|procmail|maildrop|deliver) (?:died|failed|returned|exited|crashed|not found)|returned (?:exit|error) (?:code|status)|unknown mailer error|local delivery failed|pipe to .{0,80}(?:failed|error)|pipe to \||\bsh: |permission denied/,
  syntaxerror:
    /syntax error|malformed address|command (?:not )?(?:recogni[sz]ed|unrecogni[sz]ed|not implemented)|unrecogni[sz]ed command|bad sequence of commands|invalid command|line too long for|unknown command|parameter (?:not )?(?:recogni[sz]ed|implemented)|error in (?:parameters|arguments)/,
}

/**
 * First pass, in this order: a reason wins if its pattern matches the diagnostic or the status code
 * maps to it (specific causes before broad ones: "mailbox full" beats a 5.1.1 that came with it).
 */
export const PRIMARY_ORDER: readonly Reason[] = [
  'mailboxfull',
  'mesgtoobig',
  'exceedlimit',
  'suspend',
  'hasmoved',
  'norelaying',
  'authfailure',
  'userunknown',
  'filtered',
  'requireptr',
  'notcompliantrfc',
  'badreputation',
  'contenterror',
  'rejected',
  'hostunknown',
  'spamdetected',
  'speeding',
  'toomanyconn',
  'blocked',
]

/** Second pass on text alone, when the first found nothing and the status code was weak or absent. */
export const SECONDARY_ORDER: readonly Reason[] = [
  'mailboxfull',
  'authfailure',
  'badreputation',
  'speeding',
  'spamdetected',
  'virusdetected',
  'policyviolation',
  'norelaying',
  'expired',
  'systemerror',
  'networkerror',
  'suspend',
  'contenterror',
  'systemfull',
  'notaccept',
  'securityerror',
  'mailererror',
  'syntaxerror',
]

/** A provider's usual cause, used when its notice carries no diagnostic the patterns know. */
/** Content-filter gateways answer after DATA: their "no such user" is a filter's refusal. */
export const FAMILY_COMMAND: Readonly<Record<string, 'DATA'>> = {
  mcafee: 'DATA',
  surfcontrol: 'DATA',
  mfilter: 'DATA',
}

export const FAMILY_REASON: Readonly<Record<string, Reason>> = {
  // Google Groups refuses posts from non-members (or to groups that do not exist) in many languages.
  googlegroups: 'rejected',
}

// ---------------------------------------------------------------- senders and subjects

/** Local parts and display names of automatic delivery-report senders. */
export const DAEMON_FROM =
  /(?:^|[<\s"'(])(?:mailer[-_]?daemon|mail[-_]?daemon|post[-_]?master|mail[-_ ]?delivery[-_ ]?(?:system|subsystem|service)|microsoftexchange[0-9a-f]{0,40}|mdaemon|mailadmin|mail[-_ ]?administrator|internet mail delivery|smtp[-_]?(?:gateway|daemon)|bounces?|nobody|ndr|dsn|returned[-_ ]?mail|mail[-_ ]?system|mailerdaemon|double[-_]?bounce)(?:[@>\s"')]|$)|mail delivery|delivery (?:status )?(?:notification|subsystem|system)|microsoft outlook|postmaster@|mailer-daemon@|^\s*<\s*>\s*$/i

/** NDR (failure) subjects, per language; matched anywhere in the decoded subject. */
export const NDR_SUBJECTS: Readonly<Record<string, RegExp>> = {
  en: /undeliver(?:able|ed)|undelivered mail|returned mail|return(?:ed)? to sender|mail (?:delivery )?(?:failed|failure|problem)|returning (?:message )?to sender|could not send|error sending|delivery (?:status notification \((?:failure|failed)\)|fail(?:ure|ed)|notification: delivery has failed|problem)|failure notice|failed delivery|non-?deliver(?:y|able)|not delivered|could not (?:be )?deliver|unable to deliver|mail system error|message (?:delivery )?(?:failed|failure|not delivered|rejected)|address not found|bounced? (?:mail|message|notification)|\bndr\b|\bndn\b|delivery report|message you sent (?:blocked|could not)|mail could not be delivered|permanent (?:error|failure)|delivery status notification(?! \((?:delay|success|relay)\))|^delivery status$/i,
  de: /unzustellbar|nicht zustellbar|zustellung fehlgeschlagen|fehlgeschlagene? zustellung|nachricht konnte nicht zugestellt|unzustellbare|rückläufer|übermittlungsstatus \(fehler\)|zustellungsfehler|fehler bei der (?:nachrichten)?zustellung|nicht zugestellt/i,
  nl: /onbestelbaar|niet bezorgd|kan niet worden bezorgd|bezorging mislukt|afleveren mislukt|niet afgeleverd|kon niet worden afgeleverd|onbezorgbaar/i,
  sv: /olevererbar|ej levererat|kunde inte levereras|inte levererat|leveransfel|leverans misslyckades|returnerat meddelande|ej levererbart/i,
  pt: /não entregue|nao entregue|não (?:foi )?possível entregar|mensagem não entregue|falha (?:na|de) entrega|entrega falhou|mensagem devolvida|não foi entregue|notificação de status de entrega \(falha\)|impossível entregar/i,
  zh: /未送达|未能送达|无法送达|无法投递|投递失败|发送失败|递送失败|退信|邮件被退回|系统退信|未傳遞|無法傳遞|傳遞失敗|無法送達|未送達/,
  fr: /non remis|non distribu|non délivr|échec de (?:la )?(?:remise|distribution|livraison)|echec de (?:la )?(?:remise|distribution)|impossible de (?:remettre|distribuer|délivrer)|avis de non-remise|message non (?:remis|délivré|distribué)/i,
  es: /no se puede entregar|no se pudo entregar|imposible entregar|no entregado|mensaje no entregado|error (?:en la|de) entrega|entrega fallida|correo devuelto|mensaje devuelto|notificación de estado de entrega \((?:error|fallo)\)|no se ha podido entregar/i,
  ja: /配信不能|配送不能|配信エラー|配送エラー|送信エラー|未配信|配信できません|配信に失敗|配信失敗|返送されたメール|エラーメール/,
  ru: /недоставлен|не доставлен|невозможно доставить|не удается доставить|не удалось доставить|ошибка доставки|возврат (?:письма|сообщения)|не может быть доставлен/i,
  other:
    /non recapitabile|impossibile recapitare|niedostarczaln|nie można dostarczyć|kan ikke leveres|ikke leveret|kunne ikke leveres|ei voitu toimittaa|toimitus epäonnistui|nedoručiteln|teslim edilemedi|배달 ?못함|전달되지 않음|전송 실패|không thể gửi|δεν παραδόθηκε|nem kézbesíthető|nedeliverabil/i,
}

/** Transient-failure warnings (still retrying): not bounces. */
export const DELAY_SUBJECTS =
  /\((?:delay|delayed)\)|delivery (?:has been )?delay|delayed mail|mail delivery delayed|message delayed|warning: (?:could not send|message|delayed)|still being retried|will (?:continue to )?retry|not yet been delivered|delivery notification: delivery has been delayed|zustellung verzögert|verzögerung|vertraging|fördröjning|\(atraso\)|\(retard\)|\(retraso\)|verzögerte (?:zustellung|nachricht)|vertraagd|bezorging vertraagd|fördröjd|försenad|atrasad|entrega (?:atrasada|adiada)|retardée?|remise différée|retrasad|demorad|延迟|延遲|遅延|задерж|ritardat|opóźni|forsinket/i

/** Positive delivery notices. */
export const DELIVERED_SUBJECTS =
  /\((?:success|relay(?:ed)?)\)|^(?:delivered|relayed|zugestellt|bezorgd|levererat|entregue|已送达|已投递|remis|entregado|配信済み|доставлено)\s*:|successful(?:ly)? delivered|delivery (?:succeeded|successful)/i

/** Auto-replies and out-of-office notices, per language. */
export const AUTOREPLY_SUBJECTS: Readonly<Record<string, RegExp>> = {
  en: /^(?:auto(?:matic)?[-_ ]?(?:reply|response|answer|responder)|auto:|ooo\b)|automatic reply|auto[-_ ]?reply|auto[-_ ]?respon|out of (?:the )?office|\booo\b|away from (?:my|the) (?:desk|office|email)|on (?:vacation|holiday|leave)|\bvacation\b|\babsence\b|i am (?:currently )?(?:out|away)|i'?m (?:currently )?(?:out|away)|out of town|\bautoreply\b/i,
  de: /automatische antwort|abwesenheit|abwesend|nicht im büro|außer haus|ausser haus|im urlaub|urlaubsbenachrichtigung|automatische rückantwort|autom\. antwort/i,
  nl: /automatisch antwoord|afwezig|afwezigheid|niet aanwezig|buiten kantoor|met vakantie|niet op kantoor/i,
  sv: /automatiskt svar|autosvar|frånvar|ej på kontoret|inte på kontoret|på semester|ledig/i,
  pt: /resposta automática|resposta automatica|ausente|ausência|ausencia|fora do escritório|fora do escritorio|de férias|em férias|resposta de ausência/i,
  zh: /自动回复|自動回覆|自动答复|自動答覆|自动应答|自動回复|外出|休假|不在办公室|不在辦公室/,
  fr: /réponse automatique|reponse automatique|absence|absent du bureau|en congés?|message d'absence|hors du bureau/i,
  es: /respuesta automática|respuesta automatica|fuera de la oficina|fuera de oficina|ausente|de vacaciones|ausencia/i,
  ja: /自動応答|自動返信|自動送信|不在(?:通知|のお知らせ)?/,
  ru: /автоматический ответ|автоответ|нет на месте|в отпуске|вне офиса/i,
  other:
    /risposta automatica|fuori sede|fuori ufficio|odpowiedź automatyczna|poza biurem|automatisk svar|fraværende|automaattinen vastaus|otomatik yanıt|자동 응답/i,
}

/** Read receipts and non-read notices (when no MDN part is present). */
export const RECEIPT_SUBJECTS =
  /^(?:read|not read|gelesen|nicht gelesen|ungelesen|gelezen|niet gelezen|läst|oläst|lida|não lida|lido|已读|未读|已讀|未讀|lu|non lu|leído|no leído|letto|non letto|przeczytane|прочитано|не прочитано|開封済み)\s*:|\b(?:read|return) receipt|lesebestätigung|leesbevestiging|läskvitto|confirmação de leitura|confirmación de lectura|accusé de lecture|已读回执|開封確認|уведомление о прочтении/i

/** Body text of challenge-response systems: the message waits for the sender to prove itself. */
export const CHALLENGE_RESPONSE =
  /guest list|waitlisted|not pre-approved|pre-?approved senders|challenge[- ]response|verify (?:that )?you are (?:a )?(?:human|real)|please (?:verify|confirm) (?:your (?:e-?mail|address|message)|that you)|sender verification (?:request|required)|whitelist(?:ed)? (?:request|sender)|add yourself to my|spam ?arrest|mailblocks|boxbe|click (?:on )?(?:the )?(?:following )?link (?:below )?to (?:confirm|verify|deliver|approve)|one-time verification|approve (?:your|this) message/i

/** Body text of out-of-office replies (used when headers are ambiguous). */
export const AUTOREPLY_BODY =
  /out of (?:the )?office|on (?:vacation|holiday|annual leave|leave|maternity leave)|i am (?:currently )?(?:away|out)|i(?:'m| am) out of|limited access to (?:my )?e-?mail|will (?:be )?(?:back|return)|(?:return|back) (?:to the office )?on|(?:abwesend|nicht im büro)|(?:afwezig|niet op kantoor)|(?:frånvarande|ledig)|(?:ausente|fora do escritório)|(?:休假|外出|不在办公室)|(?:absent|en congé)|(?:fuera de la oficina)|(?:不在|休暇)|(?:в отпуске|отсутствую)|auto(?:matic|matically)? ?(?:generated )?reply/i

/** Senders of mailing-list software notices. */
export const LIST_SOFTWARE_FROM =
  /[-_.](?:admin|owner|request|bounces?)@|(?:^|[<\s"])(?:mailman|majordomo|listserv|sympa|fml|ezmlm|lyris)[-@]/i

/** A list refusing a post because the sender may not post there. */
export const LIST_REJECTION =
  /not (?:a )?member of (?:this|the) (?:mailing )?list|non-?member (?:post|submission)|you are not (?:allowed|authori[sz]ed|permitted) to (?:post|send)|posting (?:to this list )?(?:is )?(?:restricted|not allowed)|only (?:members|subscribers) (?:can|may) post/i
