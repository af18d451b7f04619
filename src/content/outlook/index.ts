console.log('outlook')
