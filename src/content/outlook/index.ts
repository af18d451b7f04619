import { boot } from '../app/boot.ts'
import { outlookRegistry } from './selectors.ts'

boot(outlookRegistry)
